"""Schedules of direct payments (PAY-03): instalments in advance, every 4 weeks (13 a year, DEFAULT) or monthly
(12), each plan year adding up exactly to its amount, a part year pro rata, the basis of each stated."""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from kit.money import pounds

Frequency = Literal["four_weekly", "monthly"]
INSTALMENTS_A_YEAR: dict[str, int] = {"four_weekly": 13, "monthly": 12}  # PAY-03: 13 (DEFAULT) or 12 a year


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
