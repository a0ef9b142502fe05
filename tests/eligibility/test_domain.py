"""The eligibility rules ELIG-01..09, table-driven, on both sides of every boundary (no database)."""
from dataclasses import replace
from datetime import date

import pytest

from services.eligibility.domain import EligibilityRequest, Recipient, decide, input_errors
from services.eligibility.domain.ages import age_on, is_young_person, young_person_from

CAPABLE_PARENT = Recipient(role="parent", capable_of_managing=True, consents=True,
                           drug_or_alcohol_requirement=False)


def request(**changes) -> EligibilityRequest:
    """An 11-year-old at an annual review asking for education + health, held notionally or as direct
    payments to a capable, consenting parent: eligible on every count unless a test changes something."""
    base = EligibilityRequest(
        date_of_birth=date(2015, 5, 1), requested_on=date(2026, 11, 22), requested_by="parent",
        ehcp_stage="annual_review", streams=("education", "health"),
        arrangements=("direct_payment", "notional"), recipient=CAPABLE_PARENT,
    )
    return replace(base, **changes)


def rules(outcome) -> list[str]:
    return [r.rule for r in outcome.reasons]


# ------------------------------------------------------------------------------------------- ELIG-04: ages
@pytest.mark.parametrize(("born", "on", "age"), [
    (date(2000, 11, 22), date(2026, 11, 21), 25),   # the day before the 26th birthday
    (date(2000, 11, 22), date(2026, 11, 22), 26),   # the 26th birthday
    (date(2000, 2, 29), date(2026, 2, 28), 25),     # a leap-day birthday counts from 1 March in other years
    (date(2000, 2, 29), date(2026, 3, 1), 26),
    (date(2004, 2, 29), date(2030, 2, 28), 25),
], ids=["day-before-26th", "26th-birthday", "leap-day-28-feb", "leap-day-1-mar", "leap-day-2030"])
def test_ELIG_04_age_is_counted_in_whole_years_from_the_date_of_birth(born, on, age):
    assert age_on(born, on) == age


@pytest.mark.parametrize(("on", "eligible"), [(date(2026, 11, 21), True), (date(2026, 11, 22), False)],
                         ids=["25-on-the-day-before", "26-on-the-birthday"])
def test_ELIG_04_the_cyp_must_be_under_26_on_the_request_date(on, eligible):
    decision = decide(request(date_of_birth=date(2000, 11, 22), requested_on=on, requested_by="young_person",
                              ehcp_stage="annual_review", streams=("health",), arrangements=("notional",)))
    assert decision.streams["health"].granted is eligible
    assert decision.arrangements["notional"].granted is eligible
    assert "ELIG-04" in rules(decision.streams["health"])
    if not eligible:
        assert decision.status == "not_eligible"
        assert "under 26" in decision.streams["health"].reasons[0].message


@pytest.mark.parametrize(("born", "first_day"), [
    (date(2010, 6, 15), date(2026, 9, 1)),   # turns 16 in June: young person from the next 1 September
    (date(2010, 8, 31), date(2026, 9, 1)),   # turns 16 on 31 August, the last day of that school year
    (date(2010, 9, 1), date(2027, 9, 1)),    # turns 16 on 1 September: that school year ends the next August
    (date(2011, 1, 10), date(2027, 9, 1)),
], ids=["june-birthday", "31-august-birthday", "1-september-birthday", "january-birthday"])
def test_ELIG_04_a_young_person_is_past_the_school_year_in_which_they_turn_16(born, first_day):
    assert young_person_from(born) == first_day
    assert not is_young_person(born, date(first_day.year, 8, 31))
    assert is_young_person(born, first_day)


@pytest.mark.parametrize(("on", "requested_by", "eligible"), [
    (date(2026, 8, 31), "young_person", False),  # 31 August of the year they turn 16: still a child
    (date(2026, 9, 1), "young_person", True),    # 1 September: a young person, who may ask for themselves
    (date(2026, 8, 31), "parent", True),         # the parent asks for a child
    (date(2026, 9, 1), "parent", True),          # ... or on a young person's behalf
], ids=["yp-on-31-aug", "yp-on-1-sep", "parent-on-31-aug", "parent-on-1-sep"])
def test_ELIG_04_a_young_person_requester_must_be_a_young_person(on, requested_by, eligible):
    decision = decide(request(date_of_birth=date(2010, 6, 15), requested_on=on, requested_by=requested_by,
                              streams=("social_care",), arrangements=("notional",)))
    assert decision.streams["social_care"].granted is eligible
    if not eligible:
        assert rules(decision.streams["social_care"]) == ["ELIG-04"]
        assert "parent makes the request" in decision.streams["social_care"].reasons[0].message


# ------------------------------------------------------------------------- ELIG-01/02/03: stage x stream
# stage -> (education/transport: eligible?, its reasons' rules), (health/social care: its reasons' rules)
STAGES = {
    "none":              ((False, ["ELIG-03", "ELIG-02"]), ["ELIG-03", "ELIG-04"]),
    "assessment":        ((False, ["ELIG-03", "ELIG-02"]), ["ELIG-03", "ELIG-04"]),
    "plan_to_be_issued": ((True, ["ELIG-01", "ELIG-02", "ELIG-04"]), ["ELIG-01", "ELIG-04"]),
    "issued":            ((False, ["ELIG-02"]), ["ELIG-01", "ELIG-04"]),
    "annual_review":     ((True, ["ELIG-01", "ELIG-02", "ELIG-04"]), ["ELIG-01", "ELIG-04"]),
    "reassessment":      ((True, ["ELIG-01", "ELIG-02", "ELIG-04"]), ["ELIG-01", "ELIG-04"]),
    "ceased":            ((False, ["ELIG-03", "ELIG-02"]), ["ELIG-03", "ELIG-04"]),
}
STAGE_STREAM_CASES = [(stage, stream) for stage in STAGES
                      for stream in ("education", "transport", "health", "social_care")]


@pytest.mark.parametrize(("stage", "stream"), STAGE_STREAM_CASES,
                         ids=[f"{a}-{b}" for a, b in STAGE_STREAM_CASES])
def test_ELIG_01_02_03_each_ehcp_stage_against_each_stream(stage, stream):
    decision = decide(request(ehcp_stage=stage, streams=(stream,), arrangements=("notional",)))
    (plan_eligible, plan_rules), other_rules = STAGES[stage]
    if stream in ("education", "transport"):
        assert decision.streams[stream].granted is plan_eligible
        assert rules(decision.streams[stream]) == plan_rules
    else:
        assert decision.streams[stream].granted is True  # ELIG-03: no EHCP needed for health or social care
        assert rules(decision.streams[stream]) == other_rules


def test_ELIG_01_an_ehcp_is_given_as_the_ground_of_an_eligible_stream():
    reason = decide(request(ehcp_stage="issued", streams=("health",))).streams["health"].reasons[0]
    assert reason.rule == "ELIG-01" and "must prepare a personal budget" in reason.message


def test_ELIG_02_an_education_request_outside_the_request_stages_is_refused_not_an_error():
    decision = decide(request(ehcp_stage="issued", streams=("education",), arrangements=("notional",)))
    assert input_errors(request(ehcp_stage="issued")) == []
    assert decision.status == "not_eligible"
    message = decision.streams["education"].reasons[0].message
    assert "draft plan, an annual review or a re-assessment" in message


def test_ELIG_03_no_ehcp_with_education_and_health_is_partially_eligible():
    decision = decide(request(ehcp_stage="none", streams=("education", "health"), arrangements=("notional",)))
    assert decision.status == "partially_eligible"
    assert decision.eligible_streams == ["health"]
    assert rules(decision.streams["education"]) == ["ELIG-03", "ELIG-02"]
    assert decision.arrangements["notional"].granted
    assert rules(decision.arrangements["notional"]) == ["ELIG-03"]


# ------------------------------------------------------------------- ELIG-13: NHS continuing care -> health
CARE_CASES = [(stage, by) for stage in ("none", "assessment", "issued", "ceased", "annual_review")
              for by in ("parent", "young_person")]


@pytest.mark.parametrize(("stage", "requested_by"), CARE_CASES, ids=[f"{s}-{b}" for s, b in CARE_CASES])
def test_ELIG_13_continuing_care_offers_a_personal_health_budget_refused_only_in_custody(stage, requested_by):
    # An 11-year-old: a young_person requester is refused everything else (ELIG-04), never the health budget.
    asked = request(ehcp_stage=stage, requested_by=requested_by, streams=("education", "health"),
                    arrangements=("notional",), continuing_care=True)
    decision = decide(asked)
    assert decision.streams["health"].granted
    assert rules(decision.streams["health"])[0] == "ELIG-13"
    assert "health" in decision.eligible_streams and decision.arrangements["notional"].granted
    in_custody = decide(replace(asked, in_custody=True))
    assert not in_custody.streams["health"].granted
    assert rules(in_custody.streams["health"]) == ["ELIG-08"], "custody is the only ground to refuse it"
    assert "ELIG-13" in in_custody.streams["health"].reasons[0].message
    assert decide(replace(asked, in_custody=True, custody_rule=False)).streams["health"].granted


def test_ELIG_13_the_health_stream_is_offered_when_it_was_not_asked_for():
    decision = decide(request(ehcp_stage="issued", streams=("education",), arrangements=("notional",),
                              continuing_care=True))
    assert list(decision.streams) == ["education", "health"]
    assert not decision.streams["education"].granted  # ELIG-02 still refuses what ELIG-13 does not cover
    offer = decision.streams["health"]
    assert offer.granted and offer.reasons[0].rule == "ELIG-13"
    assert offer.reasons[0].message.startswith("Offered under ELIG-13")
    assert decision.eligible_streams == ["health"] and decision.status == "partially_eligible"
    assert "(health)" in decision.arrangements["notional"].reasons[0].message


def test_ELIG_13_nothing_is_offered_for_a_period_in_custody_nor_without_continuing_care():
    in_custody = decide(request(streams=("social_care",), in_custody=True, continuing_care=True))
    assert list(in_custody.streams) == ["social_care"] and in_custody.status == "not_eligible"
    without = decide(request(streams=("social_care",)))
    assert list(without.streams) == ["social_care"]


def test_ELIG_13_is_a_right_of_a_child_or_young_person_so_not_at_26():
    decision = decide(request(date_of_birth=date(2000, 11, 22), requested_by="young_person",
                              streams=("health",), arrangements=("notional",), continuing_care=True))
    assert not decision.streams["health"].granted
    assert rules(decision.streams["health"]) == ["ELIG-04"]
