"""The pure rules of pooled budgets, by rule ID."""
from datetime import date

import pytest

from services.budget.domain.budget import (
    Line,
    StreamDecision,
    agreement_refusals,
    newer_health_funding,
    pounds,
    refuse_line,
    sen2_fields,
)
from services.budget.domain.reviews import add_months, first_review_due, next_review_after
from services.budget.domain.sen2_return import PlanAtCensus, PlanLine
from services.budget.domain.sen2_return import record as sen2_record
from services.budget.domain.stages import panel_outcome


def a_line(**kw) -> Line:
    values = {"stream": "social_care", "category": "personal_assistant", "annual_cost_pence": 100,
              "arrangement": "direct_payment", "on_setting_premises": False, "setting_agreement": False,
              "outcome": "Makes friends outside school"}
    return Line(**{**values, **kw})


@pytest.mark.parametrize("changes, rule", [
    ({}, None),
    ({"outcome": " "}, "BUD-02"),
    ({"category": "school_place", "arrangement": "notional"}, "BUD-03"),
    ({"on_setting_premises": True}, "ELIG-09"),
    ({"on_setting_premises": True, "setting_agreement": True}, None),
    ({"on_setting_premises": True, "arrangement": "notional"}, None),
    ({"stream": "education", "funding_source": "high_needs_top_up"}, None),
    ({"stream": "education", "funding_source": "school_budget"}, "BUD-04"),
    ({"stream": "education", "funding_source": "school_budget", "head_agreement": True}, None),
    ({"stream": "health", "funding_source": "high_needs_top_up"}, "BUD-04"),
], ids=["fundable", "BUD-02", "BUD-03", "ELIG-09", "ELIG-09-agreed", "ELIG-09-notional", "BUD-04-top-up",
        "BUD-04-school-budget", "BUD-04-head-agreed", "BUD-04-education-only"])
def test_provision_line_rules(changes, rule):
    refusal = refuse_line(a_line(**changes))
    assert (refusal.rule if refusal else None) == rule


@pytest.mark.parametrize("decision, amount, limit, expected", [
    ("approved", 5_000_000, 5_000_000, "approved"),
    ("approved", 5_000_001, 5_000_000, "escalated"),
    ("declined", 9_000_000, 5_000_000, "declined"),
])
def test_bud_06_approvals_above_the_delegated_limit_are_escalated(decision, amount, limit, expected):
    assert panel_outcome(decision, amount, limit) == expected


def test_bud_05_and_bud_06_agreement_refusals_name_each_stream():
    costs = {"education": 300, "social_care": 200, "health": 50}
    decisions = {"education": StreamDecision("approved", 250), "social_care": StreamDecision("approved", 200),
                 "health": StreamDecision("escalated", 50)}
    refusals = agreement_refusals(costs, decisions, {"education": 250, "social_care": 200})
    assert [(r.rule, r.stream) for r in refusals] == [("BUD-05", "education"), ("BUD-06", "health")]
    assert "£2.50" in refusals[0].message and "£3.00" in refusals[0].message
    assert agreement_refusals({"transport": 1}, {}, {})[0].rule == "BUD-06"


def test_bud_09_review_dates():
    assert first_review_due(date(2026, 11, 30)) == date(2027, 2, 28)
    assert next_review_after(date(2027, 2, 28)) == date(2028, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


def test_bud_07_only_a_later_effective_date_replaces_the_health_amount():
    assert newer_health_funding((date(2027, 3, 1), 1), None)
    assert newer_health_funding((date(2027, 3, 1), 1), (date(2027, 1, 1), 2))
    assert not newer_health_funding((date(2027, 1, 1), 3), (date(2027, 3, 1), 2))


@pytest.mark.parametrize("agreed, arrangements, expected", [
    (False, {"education": {"direct_payment"}}, ("N", "N", None)),
    (True, {"social_care": {"direct_payment"}}, ("Y", "N", "S")),
    (True, {"education": {"notional"}, "transport": {"direct_payment"}}, ("Y", "Y", "E")),
    (True, {"health": {"direct_payment"}, "social_care": {"direct_payment", "notional"}}, ("Y", "Y", "I")),
    # Code of Practice 9.101: money a third party holds for the family is a direct payment, in the JSON as in the file.
    (True, {"health": {"third_party"}}, ("Y", "N", "H")),
    (True, {"health": {"third_party"}, "education": {"direct_payment"}}, ("Y", "N", "I")),
])
def test_bud_11_sen2_fields(agreed, arrangements, expected):
    fields = sen2_fields(agreed=agreed, arrangements_by_stream=arrangements)
    assert (fields.has_personal_budget, fields.organised_arrangements, fields.direct_payment_funder_code) == expected


@pytest.mark.parametrize("arrangements", [
    {"health": {"third_party"}}, {"social_care": {"direct_payment", "notional"}, "health": {"third_party"}},
    {"education": {"notional"}}, {"transport": {"direct_payment"}, "education": {"third_party"}},
])
def test_bud_11_the_sen2_json_and_the_sen2_file_name_the_same_direct_payment_funders(arrangements):
    lines = tuple(PlanLine(stream, arrangement, date(2026, 1, 1))
                  for stream, held in arrangements.items() for arrangement in held)
    plan = PlanAtCensus("b", "c", "EHCP-1", date(2025, 9, 1), date(2026, 8, 31), "agreed", date(2025, 9, 1), lines)
    in_file = sen2_record(plan, date(2026, 1, 15))
    in_json = sen2_fields(agreed=True, arrangements_by_stream=arrangements)
    assert tuple(in_json.direct_payment_funders) == in_file.dp_funders
    assert in_json.direct_payment_funder_code == in_file.dp


def test_money_is_shown_in_pounds_and_pence():
    assert pounds(123_456_78) == "£123,456.78" and pounds(-5) == "-£0.05"
