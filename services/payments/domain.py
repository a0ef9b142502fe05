"""Pure rules of direct payments: schedules (PAY-03), payees (PAY-02, PAY-09), audits and surplus (PAY-05,
PAY-06), recovery windows (PAY-07) and stopping (PAY-08). No I/O here."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from kit.money import pounds

Frequency = Literal["four_weekly", "monthly"]
INSTALMENTS_A_YEAR: dict[str, int] = {"four_weekly": 13, "monthly": 12}  # PAY-03: 13 (DEFAULT) or 12 a year
PAYEE_ROLES = ("parent", "young_person", "nominee", "representative")  # PAY-02
ACCOUNT_KINDS = ("bank_account", "prepaid_card", "managed_account")  # PAY-02
# PAY-08: the reasons direct payments stop.
STOP_REASONS = ("consent_withdrawn", "recipient_ineligible", "not_used_for_agreed_provision",
                "provision_cannot_be_secured", "harms_other_services",
                "budget_closed")  # the last is set by payments itself when the budget closes
FIRST_AUDIT_MONTHS = 3    # PAY-05: first audit within 3 months of signing
LATER_AUDIT_MONTHS = 12   # PAY-05: then at least annually

# PAY-01: what the family signs. Shown on every agreement so the signed terms are on record.
AGREEMENT_TERMS = {
    "conditions": ("The money is spent only on the provision agreed in the plan, from a dedicated account "
                   "or card."),
    "monitoring": ("An audit within 3 months of signing, then at least every year, and whenever asked "
                   "(PAY-05)."),
    "recovery_rights": ("Only a surplus above commitments and a contingency may be recovered, after written "
                        "notice with reasons and a chance to challenge (PAY-06, PAY-07)."),
}



def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_later(day: date, months: int) -> date | None:
    """``add_months``, or None past the end of the calendar (9999-12-31)."""
    try:
        return add_months(day, months)
    except ValueError:
        return None


@dataclass(frozen=True)
class Instalment:
    seq: int
    due_date: date
    amount_pence: int
    basis: str


def due_dates(frequency: Frequency, start: date) -> list[date]:
    """In advance from the start date: every 28 days (13) or on the same day each month (12)."""
    count = INSTALMENTS_A_YEAR[frequency]
    if frequency == "four_weekly":
        return [start + timedelta(days=28 * k) for k in range(count) if (date.max - start).days >= 28 * k]
    return [d for k in range(count) if (d := months_later(start, k)) is not None]


def split(total_pence: int, count: int) -> tuple[int, int]:
    """PAY-03: equal instalments and the remainder pennies, which go on one instalment."""
    if count <= 0:
        raise ValueError("at least one instalment")
    return divmod(total_pence, count)


def plan_years(start: date, end: date) -> list[tuple[date, date, int]]:
    """The plan years of an agreement from ``start`` to ``end`` (inclusive), each counted from an anniversary of
    the start: ``(first day, last day paid, days in the full year)``; the last one may be a part year."""
    years, k = [], 0
    while (first := months_later(start, 12 * k)) is not None and first <= end:
        following = months_later(start, 12 * (k + 1))
        full_days = (following - first).days if following else 365  # the calendar ends on 9999-12-31
        last = min(end, following - timedelta(days=1)) if following else end
        years.append((first, last, full_days))
        k += 1
    return years


def year_amount(annual_pence: int, first: date, last: date, full_days: int) -> tuple[int, str]:
    """PAY-03: a full plan year is the annual amount; a part year is paid pro rata by days, rounded down to the
    penny, with its basis stated."""
    days = (last - first).days + 1
    if days >= full_days:
        return annual_pence, f"{pounds(annual_pence)} a year"
    amount = annual_pence * days // full_days
    return amount, (f"part year {first.isoformat()} to {last.isoformat()}: {pounds(annual_pence)} a year × "
                    f"{days}/{full_days} days = {pounds(amount)} (pro rata, rounded down to the penny)")


def plan_schedule(annual_pence: int, frequency: Frequency, start: date, end: date) -> list[Instalment]:
    """PAY-03: instalments from ``start`` to ``end`` only (the agreement's end, which lies within the plan
    period). Each plan year's instalments add up exactly to the annual amount, a part year's to its pro-rata
    amount; the remainder pennies go on the year's first instalment (paid soonest) and each instalment states
    how it was calculated."""
    if annual_pence < 0:
        raise ValueError("annual amount cannot be negative")
    if end < start:
        raise ValueError("an agreement ends after it starts")
    plan: list[Instalment] = []
    for first, last, full_days in plan_years(start, end):
        amount, head = year_amount(annual_pence, first, last, full_days)
        dates = [d for d in due_dates(frequency, first) if d <= last]
        each, remainder = split(amount, len(dates))
        head = f"{head} ÷ {len(dates)} = {pounds(each)}"
        plan += [_instalment(len(plan) + k, d, each, remainder, head, carries=k == 1)
                 for k, d in enumerate(dates, start=1)]
    return plan


def replan(*, annual_pence: int, frequency: Frequency, start: date, end: date,
           current: list[tuple[date, int, bool]], on: date) -> list[Instalment]:
    """Re-plan after the agreed amount changes from ``on``. ``current`` is the schedule as (due date, amount,
    kept): an instalment paid, or due before ``on``, is kept as it is. In each plan year what is left of the
    year's new amount after its kept instalments is spread over the others, remainder on the first (PAY-03);
    a year already paid beyond its new amount pays nothing more (the excess is for an audit, not a silent
    clawback: PAY-07)."""
    plan: list[Instalment] = []
    by_due = {due: (amount, kept) for due, amount, kept in current}
    for first, last, full_days in plan_years(start, end):
        target, year_basis = year_amount(annual_pence, first, last, full_days)
        dates = sorted(d for d in by_due if first <= d <= last)
        kept = [d for d in dates if by_due[d][1]]
        already = sum(by_due[d][0] for d in kept)
        remaining = [d for d in dates if not by_due[d][1]]
        left = max(target - already, 0)
        head = ""
        if remaining:
            each, remainder = split(left, len(remaining))
            head = (f"re-planned {on.isoformat()}: {year_basis} − {pounds(already)} paid or due before = "
                    f"{pounds(left)} ÷ {len(remaining)} = {pounds(each)}")
        carried = False
        for d in dates:
            seq = len(plan) + 1
            if by_due[d][1]:
                plan.append(Instalment(seq, d, by_due[d][0], ""))  # kept: amount and basis stay as they are
                continue
            plan.append(_instalment(seq, d, each, remainder, head, carries=not carried))
            carried = True
    return plan


def _instalment(seq: int, due: date, each: int, remainder: int, head: str, *, carries: bool) -> Instalment:
    if not remainder:
        return Instalment(seq, due, each, f"{head}; remainder 0p")
    if carries:
        return Instalment(seq, due, each + remainder,
                          f"{head}; remainder {remainder}p added to this instalment = "
                          f"{pounds(each + remainder)}")
    return Instalment(seq, due, each, f"{head}; remainder {remainder}p paid with an earlier instalment")


# ------------------------------------------------------------------ payees (PAY-02, PAY-09)
def mask(digits: str | None) -> str | None:
    """Bank details are never returned in full: all but the last 4 digits are masked."""
    if not digits:
        return digits
    return "*" * max(len(digits) - 4, 0) + digits[-4:]


# ------------------------------------------------------------------ audits, surplus and recovery
def first_audit_due(signed_on: date) -> date:
    """PAY-05: the first audit is due within 3 months of signing."""
    return add_months(signed_on, FIRST_AUDIT_MONTHS)


def next_audit_due(audited_on: date) -> date:
    """PAY-05: then at least every year."""
    return add_months(audited_on, LATER_AUDIT_MONTHS)


@dataclass(frozen=True)
class Surplus:
    contingency_pence: int
    contingency_basis: str
    surplus_pence: int
    basis: str


def surplus(*, balance_pence: int, commitments_pence: int, annual_pence: int,
            contingency_weeks: int) -> Surplus:
    """PAY-06: surplus = balance − commitments − contingency (``contingency_weeks`` of payments, DEFAULT 8).
    Only a surplus above zero may be reclaimed."""
    contingency = annual_pence * contingency_weeks // 52
    contingency_basis = (f"{contingency_weeks} weeks × {pounds(annual_pence)} a year ÷ 52 = "
                         f"{pounds(contingency)}")
    raw = balance_pence - commitments_pence - contingency
    basis = (f"{pounds(balance_pence)} held − {pounds(commitments_pence)} committed − {pounds(contingency)} "
             f"contingency = {pounds(raw)}")
    return Surplus(contingency, contingency_basis, max(raw, 0), basis)


def recovery_reasons(result: Surplus, *, period_end: date, extra: list[str]) -> list[str]:
    """PAY-07: the written reasons of a recovery notice."""
    return [f"At the audit of the period ending {period_end.isoformat()} the unspent balance exceeded what "
            f"is needed: {result.basis}.",
            f"Contingency kept for the family (PAY-06): {result.contingency_basis}.", *extra]


def recoverable_part(surplus_pence: int, recoverable_pence: int) -> tuple[int, list[str]]:
    """PAY-10: never recover more than was paid and not yet recovered or returned; the amount, and a reason to
    state when the surplus is capped."""
    if surplus_pence <= recoverable_pence:
        return surplus_pence, []
    return recoverable_pence, [f"The surplus of {pounds(surplus_pence)} is more than the {pounds(recoverable_pence)} "
                               "paid under this agreement and not yet recovered or returned; only that is recovered "
                               "(PAY-10)."]


def deduction_plan(amount_pence: int, upcoming: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """PAY-07: recover by deduction from future instalments, soonest first. ``upcoming`` is (instalment id,
    amount still payable); returns (instalment id, deduction). What the instalments cannot cover stays
    undeducted."""
    plan, left = [], amount_pence
    for ident, payable in upcoming:
        if left <= 0:
            break
        take = min(payable, left)
        if take > 0:
            plan.append((ident, take))
            left -= take
    return plan
