"""When a budget's reviews fall due (BUD-09) at each LA's cadence (BUD-12). Pure: no I/O."""
from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


DEFAULT_REVIEW_CADENCE = (3, 12)  # BUD-09: within 3 months of agreement, then at least every 12 months
MAX_REVIEW_INTERVAL_MONTHS = 12  # BUD-09: whatever an LA's cadence, never longer than a year between reviews


def review_cadence_refusal(cadence: Sequence[int]) -> str | None:
    """BUD-12 within BUD-09: why an LA's review cadence (months between reviews, the last repeating) cannot be
    used, or None."""
    if not cadence:
        return "a review cadence names at least one interval in months"
    if any(not 1 <= months <= MAX_REVIEW_INTERVAL_MONTHS for months in cadence):
        return (f"each interval is 1 to {MAX_REVIEW_INTERVAL_MONTHS} months: BUD-09 wants a review at least every "
                f"{MAX_REVIEW_INTERVAL_MONTHS} months")
    return None


def cadence_step(cadence: Sequence[int], reviews_held: int) -> int:
    """BUD-12: the months to the next review once ``reviews_held`` reviews have been held since agreement (0: the
    first review after agreement); the last interval repeats."""
    return cadence[min(reviews_held, len(cadence) - 1)]


def first_review_due(agreed_on: date, cadence: Sequence[int] = DEFAULT_REVIEW_CADENCE) -> date:
    """BUD-09, BUD-12: the first review falls the LA's first interval after agreement (3 months by default)."""
    return add_months(agreed_on, cadence_step(cadence, 0))


def next_review_after(reviewed_on: date, cadence: Sequence[int] = DEFAULT_REVIEW_CADENCE, *,
                      reviews_held: int = 1) -> date:
    """BUD-09, BUD-12: after the ``reviews_held``-th review (held on ``reviewed_on``) the next falls the LA's next
    interval later (12 months by default; never more than 12)."""
    return add_months(reviewed_on, cadence_step(cadence, reviews_held))


def describe_cadence(cadence: Sequence[int]) -> str:
    """BUD-12 in words, e.g. ``3 months, then 6 months, then every 12 months``."""
    *steps, last = cadence
    return ", then ".join([*(f"{m} months" for m in steps), f"every {last} months"])


# The kinds of review held (POST …/reviews); the others are reviews wanted (requests, BUD-05 early reviews).
HELD = ("first", "annual", "requested", "circumstances_changed")


class ReviewRefused(Exception):
    """BUD-09: reviews are of agreed budgets."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class NextReview:
    """A budget's next review (BUD-09): when it falls due, its kind and why."""

    due: date | None
    kind: str | None
    reason: str | None


def reviewable(status: str) -> None:
    """BUD-09: a review is held, or asked for, on an agreed budget only."""
    if status != "agreed":
        raise ReviewRefused(f"reviews are of agreed budgets; this one is {status}")


def first_review(agreed_on: date, cadence: Sequence[int] = DEFAULT_REVIEW_CADENCE) -> NextReview:
    """BUD-09, BUD-12: at agreement the first review falls the LA's first interval later."""
    return NextReview(first_review_due(agreed_on, cadence), "first",
                      f"BUD-09, BUD-12: the first review, {cadence_step(cadence, 0)} months after agreement (the "
                      f"LA's cadence: {describe_cadence(cadence)})")


def after_review_held(status: str, reviewed_on: date, cadence: Sequence[int], *, reviews_held: int) -> NextReview:
    """BUD-09, BUD-12: once the ``reviews_held``-th review was held on ``reviewed_on``, the next falls at the LA's
    next interval (``annual`` at 12 months, else ``scheduled``), never more than 12 months later."""
    reviewable(status)
    months = cadence_step(cadence, reviews_held)
    return NextReview(next_review_after(reviewed_on, cadence, reviews_held=reviews_held),
                      "annual" if months == 12 else "scheduled",
                      f"BUD-09, BUD-12: {months} months after the review held on {reviewed_on} (the LA's cadence: "
                      f"{describe_cadence(cadence)})")


def brought_forward(current: NextReview, *, due: date, kind: str, reason: str) -> NextReview:
    """BUD-09: a review wanted (the family asks, circumstances change, BUD-05 funding falls short) is due on
    ``due``: the next review moves to it if it is sooner, never later."""
    if current.due is None or due <= current.due:
        return NextReview(due, kind, reason)
    return current
