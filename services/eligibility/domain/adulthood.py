"""ELIG-14, preparing for adulthood: the transition plan from the review in year 9, the young person (not the
parent) deciding from the end of the school year they turn 16 (ELIG-04), adult social care told before 18 with a
handover summary, and care leavers keeping their entitlement after 18. Pure date arithmetic and words."""
from __future__ import annotations

from datetime import date, timedelta

from services.eligibility.domain.ages import AGE_LIMIT, age_on, anniversary, young_person_from
from services.eligibility.domain.values import ARRANGEMENT_WORDS, STREAM_WORDS, EligibilityRequest, Reason

ADULT_AGE = 18
DEFAULT_NOTICE_DAYS = 183  # ELIG-14: adult social care is told about six months before the 18th birthday
_DAY = timedelta(days=1)


def year_9_starts(born: date) -> date:
    """1 September of the school year (to 31 August) in which the child turns 14: the start of year 9."""
    fourteenth = anniversary(born, born.year + 14)
    return date(fourteenth.year if fourteenth.month >= 9 else fourteenth.year - 1, 9, 1)


def turns_18_on(born: date) -> date:
    return anniversary(born, born.year + ADULT_AGE)


def transition_errors(born: date, reviewed_on: date) -> list[tuple[str, str]]:
    """ELIG-14: a transition plan is recorded from the review in year 9, while still a child or young person."""
    starts = year_9_starts(born)
    if reviewed_on < starts:
        return [("reviewed_on", f"ELIG-14: the transition plan is recorded from the review in year 9, which "
                                f"starts on {starts.isoformat()} for this child; {reviewed_on.isoformat()} is "
                                "before it")]
    if age_on(born, reviewed_on) >= AGE_LIMIT:
        return [("reviewed_on", f"ELIG-04: on {reviewed_on.isoformat()} the young person is {AGE_LIMIT} or "
                                "over; there is no plan to record a transition in")]
    return []


def approaching(born: date, *, today: date, within_days: int) -> bool:
    """Turns 18 between today and ``within_days`` from today, both included."""
    return today <= turns_18_on(born) <= today + timedelta(days=within_days)


def born_turning_18_between(first: date, last: date) -> tuple[date, date]:
    """The dates of birth, earliest and latest, of those who turn 18 on a day from ``first`` to ``last`` (a 29
    February birthday turns 18 on 1 March in other years), so a query can select them by date of birth."""
    return _earliest_born_turning_18_from(first), _earliest_born_turning_18_from(last + _DAY) - _DAY


def _earliest_born_turning_18_from(day: date) -> date:
    born = anniversary(day, day.year - ADULT_AGE) - _DAY  # near it; the loops settle the leap-day cases
    while turns_18_on(born) < day:
        born += _DAY
    while turns_18_on(born - _DAY) >= day:
        born -= _DAY
    return born


def young_person_grounds(request: EligibilityRequest) -> list[Reason]:
    """ELIG-14 grounds of an eligible stream: who decides once a young person (ELIG-04), and a care leaver's
    entitlement, which turning 18 does not end."""
    grounds = []
    starts = young_person_from(request.date_of_birth)
    if request.requested_by == "parent" and request.requested_on >= starts:
        grounds.append(Reason("ELIG-14", f"A young person since {starts.isoformat()}: the young person, not the "
                                         "parent, makes the requests and decisions; this request is taken as "
                                         "made by the parent on the young person's behalf (ELIG-04)."))
    if request.care_leaver:
        age = age_on(request.date_of_birth, request.requested_on)
        when = "is over 18 and" if age >= ADULT_AGE else "will turn 18, which does not end it; they"
        grounds.append(Reason("ELIG-14", f"A care leaver keeps their entitlement: the young person {when} "
                                         f"remains eligible until {AGE_LIMIT} (ELIG-04)."))
    return grounds


def handover_summary(*, born: date, eligible_streams: list[str], allowed_arrangements: list[str],
                     decided_on: date, care_leaver: bool, transition_reviewed_on: date | None) -> str:
    """ELIG-14: the eligibility part of the handover to adult social care, in plain English."""
    streams = _listed([STREAM_WORDS[s] for s in eligible_streams]) or "no stream"
    held = _listed([ARRANGEMENT_WORDS[a] for a in allowed_arrangements], "or") or "no arrangement yet"
    transition = (f"A transition plan was recorded at the review of {transition_reviewed_on.isoformat()}."
                  if transition_reviewed_on else
                  f"No transition plan is recorded yet: it is due from the review in year 9 (from "
                  f"{year_9_starts(born).isoformat()}).")
    leaver = " As a care leaver, they keep their entitlement after 18." if care_leaver else ""
    return (f"Turns 18 on {turns_18_on(born).isoformat()}. Eligible for a personal budget for {streams} "
            f"(decided on {decided_on.isoformat()}), held as {held}. {transition} Eligibility continues after "
            f"18, until {AGE_LIMIT} (ELIG-04).{leaver} The budget's own summary is handed over by the budget "
            "service.")


def _listed(words: list[str], conjunction: str = "and") -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}" if words else ""
