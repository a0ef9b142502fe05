"""ELIG-05..09 and the overall status: arrangements, custody and combinations (no database)."""
from dataclasses import replace
from datetime import date

import pytest

from services.eligibility.domain import RULES_VERSION, Recipient, decide, input_errors
from tests.eligibility.test_domain import CAPABLE_PARENT, request, rules

YOUNG_PERSON = {"date_of_birth": date(2008, 1, 10), "requested_on": date(2026, 11, 22)}  # 18


def recipient(**changes) -> Recipient:
    return replace(CAPABLE_PARENT, **changes)


# (id, request changes, direct payment allowed?, rules of its reasons)
DIRECT_PAYMENT_CASES = [
    ("capable-consenting-parent", {}, True, ["ELIG-06", "ELIG-07"]),
    ("nominee", {"recipient": recipient(role="nominee")}, True, ["ELIG-06", "ELIG-07"]),
    ("no-recipient", {"recipient": None}, False, ["ELIG-06"]),
    ("not-capable", {"recipient": recipient(capable_of_managing=False)}, False, ["ELIG-06"]),
    ("no-consent", {"recipient": recipient(consents=False)}, False, ["ELIG-06"]),
    ("neither-capable-nor-consenting", {"recipient": recipient(capable_of_managing=False, consents=False)},
     False, ["ELIG-06", "ELIG-06"]),
    ("child-as-own-recipient", {"recipient": recipient(role="young_person")}, False, ["ELIG-06"]),
    ("representative-for-a-child", {"recipient": recipient(role="representative")}, False, ["ELIG-06"]),
    ("representative-for-a-young-person", {"recipient": recipient(role="representative"), **YOUNG_PERSON},
     True, ["ELIG-06", "ELIG-07"]),
    ("young-person-as-recipient", {"recipient": recipient(role="young_person"), **YOUNG_PERSON},
     True, ["ELIG-06", "ELIG-07"]),
    ("drug-or-alcohol-requirement", {"recipient": recipient(drug_or_alcohol_requirement=True)},
     False, ["ELIG-07"]),
    ("on-premises-no-agreement-recorded", {"provision_on_setting_premises": True}, False, ["ELIG-09"]),
    ("on-premises-head-refused", {"provision_on_setting_premises": True, "setting_agreement": False},
     False, ["ELIG-09"]),
    ("on-premises-head-agreed", {"provision_on_setting_premises": True, "setting_agreement": True},
     True, ["ELIG-06", "ELIG-07", "ELIG-09"]),
    ("off-premises-agreement-irrelevant",
     {"provision_on_setting_premises": False, "setting_agreement": False}, True, ["ELIG-06", "ELIG-07"]),
    ("every-direct-payment-bar-at-once",
     {"recipient": recipient(consents=False, drug_or_alcohol_requirement=True),
      "provision_on_setting_premises": True}, False, ["ELIG-06", "ELIG-07", "ELIG-09"]),
]


@pytest.mark.parametrize(("changes", "allowed", "expected_rules"), [c[1:] for c in DIRECT_PAYMENT_CASES],
                         ids=[c[0] for c in DIRECT_PAYMENT_CASES])
def test_ELIG_06_07_09_direct_payments_and_every_reason_for_them(changes, allowed, expected_rules):
    decision = decide(request(**changes))
    assert decision.arrangements["direct_payment"].granted is allowed
    assert rules(decision.arrangements["direct_payment"]) == expected_rules
    # Only direct payments are closed by ELIG-06/07/09; the notional arrangement stays open.
    assert decision.arrangements["notional"].granted
    assert decision.status == "eligible"


def test_ELIG_06_a_missing_recipient_is_an_input_error_when_direct_payment_is_asked():
    assert input_errors(request(recipient=None)) == [
        ("recipient", "is required when direct_payment is asked for (ELIG-06)")]
    assert input_errors(request(recipient=None, arrangements=("notional",))) == []


def test_ELIG_07_other_arrangements_stay_open_and_say_so():
    decision = decide(request(recipient=recipient(drug_or_alcohol_requirement=True),
                              arrangements=("direct_payment", "third_party", "notional")))
    assert decision.allowed_arrangements == ["notional", "third_party"]
    for name in ("third_party", "notional"):
        assert rules(decision.arrangements[name]) == ["ELIG-01", "ELIG-07"]
        assert "stays open" in decision.arrangements[name].reasons[1].message


@pytest.mark.parametrize(("custody_rule", "eligible"), [(True, False), (False, True)],
                         ids=["custody-rule-on", "custody-rule-off-for-this-la"])
def test_ELIG_08_no_budget_in_custody_where_the_la_applies_the_rule(custody_rule, eligible):
    decision = decide(request(in_custody=True, custody_rule=custody_rule))
    assert decision.status == ("eligible" if eligible else "not_eligible")
    for stream in ("education", "health"):
        assert decision.streams[stream].granted is eligible
        assert "ELIG-08" in rules(decision.streams[stream])
    assert decision.arrangements["notional"].granted is eligible


def test_ELIG_08_out_of_custody_the_rule_says_nothing():
    decision = decide(request(in_custody=False, custody_rule=True))
    assert all("ELIG-08" not in rules(o) for o in decision.streams.values())


@pytest.mark.parametrize(("custody_rule", "dp_rules", "status"), [
    (True, ["ELIG-08", "ELIG-07"], "not_eligible"),
    (False, ["ELIG-07"], "eligible"),
], ids=["custody-rule-on", "custody-rule-off"])
def test_ELIG_07_08_drug_requirement_and_custody_together(custody_rule, dp_rules, status):
    decision = decide(request(in_custody=True, custody_rule=custody_rule, streams=("social_care",),
                              recipient=recipient(drug_or_alcohol_requirement=True)))
    assert decision.status == status
    assert rules(decision.arrangements["direct_payment"]) == dp_rules
    assert decision.arrangements["notional"].granted is (not custody_rule)


def test_ELIG_10_every_refusal_reason_is_given_not_only_the_first():
    decision = decide(request(date_of_birth=date(1999, 1, 1), requested_by="young_person", ehcp_stage="none",
                              in_custody=True, streams=("education",), arrangements=("notional",)))
    assert rules(decision.streams["education"]) == ["ELIG-04", "ELIG-08", "ELIG-03", "ELIG-02"]
    assert rules(decision.arrangements["notional"]) == ["ELIG-04", "ELIG-08", "ELIG-03", "ELIG-02"]
    assert all(r.message for r in decision.streams["education"].reasons)


def test_ELIG_05_a_decision_covers_only_what_was_requested():
    decision = decide(request(streams=("transport",), arrangements=("third_party",)))
    assert list(decision.streams) == ["transport"]
    assert list(decision.arrangements) == ["third_party"]


@pytest.mark.parametrize(("changes", "status"), [
    ({}, "eligible"),
    ({"ehcp_stage": "issued"}, "partially_eligible"),                  # education refused, health eligible
    ({"arrangements": ("direct_payment",), "recipient": recipient(consents=False)}, "partially_eligible"),
    ({"ehcp_stage": "none", "streams": ("education", "transport")}, "not_eligible"),
], ids=["all-granted", "a-stream-refused", "streams-granted-no-arrangement", "no-stream"])
def test_the_overall_status(changes, status):
    assert decide(request(**changes)).status == status


def test_ELIG_11_every_decision_carries_the_rules_version():
    assert decide(request()).rules_version == RULES_VERSION == "2027.01"


def test_a_date_of_birth_after_the_request_date_is_an_input_error():
    errors = input_errors(request(date_of_birth=date(2026, 11, 23)))
    assert [f for f, _ in errors] == ["date_of_birth"]


@pytest.mark.parametrize(("today", "fields"), [(date(2026, 11, 21), []),
                                              (date(2026, 11, 20), ["requested_on"])],
                         ids=["a-day-ahead-is-allowed", "two-days-ahead-is-the-future"])
def test_a_request_date_in_the_future_is_an_input_error(today, fields):
    assert [f for f, _ in input_errors(request(), today=today)] == fields
