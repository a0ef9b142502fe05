"""BUD-11: the SEN2 return's personal-budget items, per plan at a census date, and the checks a council runs on them
before it submits (pure: no I/O).

Followed: the DfE's *Special educational needs person level survey 2025: guide* (v1.4) and the person-level
technical specification it points to. The return is an XML message submitted through COLLECT; its module 4
(named plan) carries, per EHC plan, three personal-budget items:

- ``PB`` personal budget taken up (1/0);
- ``OA`` personal budget – organised arrangements (1/0): the LA, school or college holds the money and commissions
  what the family chose (a notional budget);
- ``DP`` personal budget – direct payments: who funds them, ``E`` education, ``S`` social care, ``H`` health, or
  ``I`` integrated when more than one does. Funds paid to a person or organisation who manages them for the family
  are direct payments too (SEND Code of Practice 9.101, third-party arrangements).

``OA`` and ``DP`` are given only when ``PB`` is 1; ``DP`` only when the plan has direct payments. The layout of the
file, and what the budget service cannot fill (person, request and assessment items), is in ``docs/sen2.md``.

Which plans count: a plan whose budget's period covers the census date. Its budget was *taken up* at the census
date when it was agreed on or before that date; its lines are those recorded by then, and each stream's agreed
money is what the ledger held by then, so a return for last January reads the same whatever happened since."""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from services.budget.domain.budget import (
    DIRECT_PAYMENT_ARRANGEMENTS,
    ORGANISED_ARRANGEMENTS,
    SEN2_FUNDER_CODES,
    direct_payment_funders,
    funder_code,
)

RULE = "BUD-11"
GUIDE = "DfE SEN2: Special educational needs person level survey 2025, guide v1.4; module 4 named plan: PB, OA, DP"
# EHC plans, and the personal budgets in them, start with the Children and Families Act 2014 (1 September 2014).
FIRST_CENSUS = date(2014, 9, 1)
# A census more than a year ahead is a slip, not a return (and a date in year 9999 would be a 500 elsewhere).
CENSUS_DAYS_AHEAD = 366

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class PlanLine:
    """One provision line as it stood in the plan: its stream and how it is held."""
    stream: str
    arrangement: str
    recorded_on: date


@dataclass(frozen=True)
class PlanAtCensus:
    """What the budget service knows of one plan: its budget, the date it was agreed, its lines and each stream's
    agreed money (pence) at the census date."""
    budget_id: str
    child_id: str
    plan_reference: str
    period_start: date
    period_end: date
    status: str
    agreed_on: date | None
    lines: tuple[PlanLine, ...] = ()
    agreed_pence: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Sen2Record:
    """One plan's SEN2 personal-budget items (module 4): ``pb``; ``oa`` and ``dp`` only when ``pb``."""
    budget_id: str
    child_id: str
    plan_reference: str
    pb: bool
    oa: bool | None
    dp: str | None
    dp_funders: tuple[str, ...]


@dataclass(frozen=True)
class Issue:
    """A value missing or inconsistent in the return, named by the record (plan reference) and the SEN2 item."""
    code: str
    severity: str
    reference: str
    field: str
    message: str
    budget_id: str | None = None
    child_id: str | None = None


def census_refusal(census: date, today: date) -> str | None:
    """Why ``census`` cannot be a SEN2 census date, or None."""
    if census < FIRST_CENSUS:
        return f"before {FIRST_CENSUS.isoformat()}: there were no EHC plans or personal budgets in them"
    if census.toordinal() > today.toordinal() + CENSUS_DAYS_AHEAD:
        return f"more than {CENSUS_DAYS_AHEAD} days ahead: a census date is at most the next January"
    return None


def counts_at(plan: PlanAtCensus, census: date) -> bool:
    """The plan is in the return for ``census``: its budget's period covers that date."""
    return plan.period_start <= census <= plan.period_end


def taken_up(plan: PlanAtCensus, census: date) -> bool:
    """PB: the budget was agreed on or before the census date (a budget agreed later was not taken up then)."""
    return plan.agreed_on is not None and plan.agreed_on <= census


def lines_at(plan: PlanAtCensus, census: date) -> list[PlanLine]:
    return [ln for ln in plan.lines if ln.recorded_on <= census]


def record(plan: PlanAtCensus, census: date) -> Sen2Record:
    """BUD-11: the plan's PB, OA and DP at the census date."""
    pb = taken_up(plan, census)
    lines = lines_at(plan, census)
    funders = direct_payment_funders((ln.stream, ln.arrangement) for ln in lines)
    dp = funder_code(funders)
    return Sen2Record(
        budget_id=plan.budget_id, child_id=plan.child_id, plan_reference=plan.plan_reference, pb=pb,
        oa=any(ln.arrangement in ORGANISED_ARRANGEMENTS for ln in lines) if pb else None,
        dp=dp if pb else None, dp_funders=funders if pb else (),
    )


def records(plans: Iterable[PlanAtCensus], census: date) -> list[Sen2Record]:
    """The return's records: every plan that counts at the census date, in plan-reference order."""
    counted = [p for p in plans if counts_at(p, census)]
    return [record(p, census) for p in sorted(counted, key=lambda p: (p.plan_reference, p.budget_id))]


def _issue(code: str, severity: str, plan: PlanAtCensus, item: str, message: str) -> Issue:
    return Issue(code=code, severity=severity, reference=plan.plan_reference, field=item, message=message,
                 budget_id=plan.budget_id, child_id=plan.child_id)


def plan_issues(plan: PlanAtCensus, census: date) -> list[Issue]:
    """BUD-11: what is missing or inconsistent in one plan's items at the census date."""
    issues: list[Issue] = []
    lines = lines_at(plan, census)
    if plan.status in ("agreed", "closed") and plan.agreed_on is None:
        issues.append(_issue("SEN2-PB-NO-AGREEMENT-DATE", ERROR, plan, "PB",
                             f"the budget is {plan.status} but has no agreement date, so whether it was taken up "
                             f"by {census.isoformat()} cannot be told"))
    if not taken_up(plan, census):
        return issues
    agreed_streams = {s for s, pence in plan.agreed_pence.items() if pence > 0}
    if not agreed_streams:
        issues.append(_issue("SEN2-PB-NO-STREAM", ERROR, plan, "PB",
                             "the budget was agreed but no stream had any money agreed by the census date"))
    if not lines:
        issues.append(_issue("SEN2-OA-DP-MISSING", ERROR, plan, "OA",
                             "the budget was agreed but had no provision lines by the census date, so neither "
                             "organised arrangements nor direct payments can be given"))
    for ln in lines:
        if ln.arrangement not in DIRECT_PAYMENT_ARRANGEMENTS:
            continue
        if ln.stream not in SEN2_FUNDER_CODES:
            issues.append(_issue("SEN2-DP-NO-FUNDER", ERROR, plan, "DP",
                                 f"a direct payment on stream '{ln.stream}' has no SEN2 funder code (E, S or H)"))
        elif ln.stream not in agreed_streams:
            issues.append(_issue("SEN2-DP-NO-FUNDER", ERROR, plan, "DP",
                                 f"a direct payment on the {ln.stream} stream has no funder: no money was agreed "
                                 f"on that stream by the census date"))
    return issues


def duplicate_issues(plans: Sequence[PlanAtCensus]) -> list[Issue]:
    """A child counted twice (two plans at the census date), or one plan reference on two budgets."""
    issues: list[Issue] = []
    by_child = Counter(p.child_id for p in plans)
    by_reference = Counter(p.plan_reference for p in plans)
    for p in plans:
        if by_child[p.child_id] > 1:
            others = sorted(q.plan_reference for q in plans if q.child_id == p.child_id and q is not p)
            issues.append(_issue("SEN2-PERSON-COUNTED-TWICE", ERROR, p, "Person",
                                 f"the child has {by_child[p.child_id]} plans at the census date (also "
                                 f"{', '.join(others)}); SEN2 counts one active EHC plan per person"))
        if by_reference[p.plan_reference] > 1:
            issues.append(_issue("SEN2-PLAN-COUNTED-TWICE", ERROR, p, "NamedPlan",
                                 f"the plan reference is on {by_reference[p.plan_reference]} budgets at the census "
                                 f"date"))
    return issues


def validate(plans: Iterable[PlanAtCensus], census: date, *, local_authority: str, lea: str | None) -> list[Issue]:
    """BUD-11: the validation report before submission: the header's LA number, then per record (in the file's
    order) what is missing or inconsistent, with the record's plan reference and the SEN2 item."""
    issues: list[Issue] = []
    if not lea:
        issues.append(Issue(code="SEN2-LEA-MISSING", severity=ERROR, reference=local_authority, field="LEA",
                            message="no DfE LA number is configured for this council "
                                    "(SENDPB_BUDGET_SEN2_LA_NUMBERS)"))
    counted = sorted((p for p in plans if counts_at(p, census)), key=lambda p: (p.plan_reference, p.budget_id))
    for p in counted:
        issues.extend(plan_issues(p, census))
    issues.extend(duplicate_issues(counted))
    return issues
