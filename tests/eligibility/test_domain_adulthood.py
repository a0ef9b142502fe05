"""ELIG-14, preparing for adulthood, and ELIG-12, the LA declining a budget or part of one: pure rules, both sides
of every boundary (no database)."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.eligibility.domain import (
    Decline,
    Evidence,
    Transition,
    born_turning_18_between,
    decide,
    decline_errors,
    handover_summary,
    input_errors,
    turns_18_on,
    year_9_starts,
)
from tests.eligibility.test_domain import request, rules


# ------------------------------------------------------------------------------ ELIG-14: year 9 and transition
@pytest.mark.parametrize(("born", "starts"), [
    (date(2014, 5, 5), date(2027, 9, 1)),    # turns 14 in May 2028: year 9 is 2027/28
    (date(2013, 8, 31), date(2026, 9, 1)),   # turns 14 on 31 August 2027, the last day of year 9
    (date(2013, 9, 1), date(2027, 9, 1)),    # turns 14 on 1 September 2027, the first day of year 9
    (date(2012, 2, 29), date(2025, 9, 1)),   # a leap-day birthday turns 14 on 1 March 2026
], ids=["may", "31-august", "1-september", "leap-day"])
def test_ELIG_14_year_9_is_the_school_year_in_which_the_child_turns_14(born, starts):
    assert year_9_starts(born) == starts


@pytest.mark.parametrize(("reviewed_on", "refused"), [
    (date(2027, 8, 31), True),   # the day before year 9
    (date(2027, 9, 1), False),   # the first day of year 9
    (date(2031, 1, 10), False),  # a later review
], ids=["year-8", "year-9", "year-12"])
def test_ELIG_14_a_transition_plan_is_recorded_from_the_review_in_year_9(reviewed_on, refused):
    asked = request(date_of_birth=date(2014, 5, 5), requested_on=date(2031, 2, 1),
                    transition=Transition(reviewed_on, "Wants to study horticulture at college"))
    errors = input_errors(asked)
    assert bool(errors) is refused
    if refused:
        [(field, message)] = errors
        assert field == "transition.reviewed_on" and message.startswith("ELIG-14:")
        assert "2027-09-01" in message


@pytest.mark.parametrize(("on", "requested_by", "granted", "elig_14"), [
    (date(2026, 8, 31), "young_person", False, False),  # still a child: the parent asks (ELIG-04)
    (date(2026, 9, 1), "young_person", True, False),    # a young person asks for themselves
    (date(2026, 8, 31), "parent", True, False),         # the parent of a child
    (date(2026, 9, 1), "parent", True, True),           # the parent of a young person: on their behalf
], ids=["child-asks", "young-person-asks", "parent-of-child", "parent-of-young-person"])
def test_ELIG_14_from_16_the_young_person_not_the_parent_makes_the_requests(on, requested_by, granted, elig_14):
    decision = decide(request(date_of_birth=date(2010, 6, 15), requested_on=on, requested_by=requested_by,
                              streams=("social_care",), arrangements=("notional",)))
    outcome = decision.streams["social_care"]
    assert outcome.granted is granted
    assert ("ELIG-14" in rules(outcome)) is elig_14
    if elig_14:
        message = next(r.message for r in outcome.reasons if r.rule == "ELIG-14")
        assert "the young person, not the parent, makes the requests" in message and "2026-09-01" in message
    if not granted:
        assert rules(outcome) == ["ELIG-04"]


@pytest.mark.parametrize("on", [date(2026, 3, 9), date(2026, 3, 10), date(2027, 1, 5), date(2033, 3, 9)],
                         ids=["day-before-18", "18th-birthday", "at-18", "at-25"])
def test_ELIG_14_turning_18_does_not_end_a_care_leavers_eligibility(on):
    decision = decide(request(date_of_birth=date(2008, 3, 10), requested_on=on, requested_by="young_person",
                              ehcp_stage="annual_review", streams=("education", "social_care"),
                              arrangements=("notional",), recipient=None, care_leaver=True))
    assert decision.status == "eligible" and decision.eligible_streams == ["education", "social_care"]
    for outcome in decision.streams.values():
        [leaver] = [r for r in outcome.reasons if r.rule == "ELIG-14"]
        assert "care leaver keeps their entitlement" in leaver.message and "until 26" in leaver.message
    at_26 = decide(request(date_of_birth=date(2008, 3, 10), requested_on=date(2034, 3, 10),
                           requested_by="young_person", streams=("social_care",), arrangements=("notional",),
                           recipient=None, care_leaver=True))
    assert at_26.status == "not_eligible", "ELIG-04: the entitlement ends at 26, not at 18"


@pytest.mark.parametrize(("born", "eighteenth"), [
    (date(2008, 12, 3), date(2026, 12, 3)), (date(2008, 2, 29), date(2026, 3, 1)),
    (date(2010, 2, 28), date(2028, 2, 28)),
], ids=["ordinary", "leap-day-in-a-common-year", "28-february-in-a-leap-year"])
def test_ELIG_14_the_18th_birthday(born, eighteenth):
    assert turns_18_on(born) == eighteenth


def test_ELIG_14_the_dates_of_birth_turning_18_in_a_window_are_exactly_those_with_an_18th_birthday_in_it():
    days = [date(2007, 12, 1) + timedelta(days=n) for n in range(3 * 366)]
    for first, last in [(date(2026, 2, 27), date(2026, 3, 2)), (date(2026, 3, 1), date(2026, 3, 1)),
                        (date(2028, 2, 29), date(2028, 2, 29)), (date(2026, 12, 3), date(2027, 6, 4))]:
        lo, hi = born_turning_18_between(first, last)
        assert [d for d in days if lo <= d <= hi] == [d for d in days if first <= turns_18_on(d) <= last]


def test_ELIG_14_the_handover_summary_says_what_is_eligible_when_decided_and_the_transition_plan():
    words = handover_summary(born=date(2009, 3, 10), eligible_streams=["education", "social_care"],
                             allowed_arrangements=["direct_payment", "notional"], decided_on=date(2026, 11, 22),
                             care_leaver=True, transition_reviewed_on=date(2023, 6, 1))
    assert "Turns 18 on 2027-03-10" in words and "education and social care" in words
    assert "decided on 2026-11-22" in words and "direct payments or a notional" in words
    assert "review of 2023-06-01" in words and "care leaver" in words and "until 26" in words
    assert "budget service" in words
    none = handover_summary(born=date(2009, 3, 10), eligible_streams=["health"], allowed_arrangements=[],
                            decided_on=date(2026, 11, 22), care_leaver=False, transition_reviewed_on=None)
    assert "No transition plan is recorded yet" in none and "2022-09-01" in none


# ------------------------------------------------------------------------- ELIG-12: declines with evidence
def declined(*, streams=(), arrangements=(), ground="harm_to_others") -> Decline:
    return Decline(ground=ground, reason="The block contract would lose a therapist the school shares.",
                   evidence=(Evidence("Provider letter on staffing", "DOC-77"),), declined_on=date(2026, 11, 23),
                   streams=streams, arrangements=arrangements)


def test_ELIG_12_a_declined_stream_is_refused_with_the_ground_the_reason_and_the_evidence():
    decision = decide(request(declines=(declined(streams=("education",)),)))
    education = decision.streams["education"]
    assert not education.granted and rules(education) == ["ELIG-12"]
    message = education.reasons[0].message
    assert "harm the provision made for other" in message and "lose a therapist" in message
    assert "Provider letter on staffing (DOC-77)" in message and "review (ELIG-10)" in message
    assert decision.streams["health"].granted and decision.status == "partially_eligible"


def test_ELIG_12_declining_the_whole_budget_refuses_every_stream_and_so_every_arrangement():
    decision = decide(request(declines=(declined(ground="inefficient_use"),)))
    assert decision.status == "not_eligible" and decision.eligible_streams == []
    assert all(rules(o) == ["ELIG-12"] for o in decision.streams.values())
    assert all("ELIG-12" in rules(o) and not o.granted for o in decision.arrangements.values())
    assert "inefficient use of resources" in decision.streams["health"].reasons[0].message


def test_ELIG_12_declining_an_arrangement_leaves_the_streams_and_the_other_arrangements():
    decision = decide(request(declines=(declined(arrangements=("direct_payment",)),)))
    assert decision.eligible_streams == ["education", "health"]
    assert not decision.arrangements["direct_payment"].granted
    assert rules(decision.arrangements["direct_payment"]) == ["ELIG-12"]
    assert decision.allowed_arrangements == ["notional"] and decision.status == "eligible"


def test_ELIG_12_a_decline_adds_its_reason_to_a_refusal_already_there():
    decision = decide(request(ehcp_stage="issued", declines=(declined(streams=("education",)),)))
    assert rules(decision.streams["education"]) == ["ELIG-02", "ELIG-12"]


def test_ELIG_12_cannot_decline_the_continuing_care_health_budget_ELIG_13():
    decision = decide(request(continuing_care=True, declines=(declined(),)))
    assert decision.streams["health"].granted and not decision.streams["education"].granted
    assert rules(decision.streams["health"])[-1] == "ELIG-13"
    errors = decline_errors(declined(streams=("health",)), streams={"health": True}, arrangements={},
                            continuing_care=True)
    assert [(f, r) for f, _, r in errors] == [("streams.0", "ELIG-13")]


def test_ELIG_12_only_what_the_decision_in_force_grants_can_be_declined():
    in_force = {"streams": {"education": False, "health": True}, "arrangements": {"notional": True}}
    errors = decline_errors(declined(streams=("health", "education", "transport"), arrangements=("third_party",)),
                            continuing_care=False, **in_force)
    assert [f for f, _, _ in errors] == ["streams.1", "streams.2", "arrangements.0"]
    assert decline_errors(declined(), continuing_care=False, streams={"education": False},
                          arrangements={})[0][0] == "streams"
    assert decline_errors(declined(streams=("health",)), continuing_care=False, **in_force) == []


def test_ELIG_12_a_request_recorded_before_declines_were_served_reads_with_none():
    assert request().declines == () and replace(request(), care_leaver=False).transition is None
