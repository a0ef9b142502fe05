"""BUD-12 as the RAS service serves it: a change of circumstances asks for a *swift* re-assessment. The request
is due within a bound of working days from the day the change was recorded; the next assessment of that child
completes it; one still open after its due date is overdue. Pure: dates in, dates and booleans out."""
from __future__ import annotations

from datetime import date, timedelta

OPEN = "open"
COMPLETED = "completed"
STATUSES = (OPEN, COMPLETED)

_SATURDAY = 5  # date.weekday(): Monday 0 … Sunday 6


class DueDateOutOfRange(ValueError):
    """BUD-12: a request whose due date cannot be a date (its day is too close to 9999-12-31) can never be
    recorded: the consumer dead-letters it with this reason rather than retry it."""


def due_by(requested_on: date, working_days: int) -> date:
    """BUD-12: the day a re-assessment asked for on ``requested_on`` is due, ``working_days`` working days later
    (Monday to Friday: counting starts the next working day, so a change recorded on a Saturday counts from
    Monday). Bank holidays are not known here and count as working days, which makes the bound a day or two
    swifter, never slower."""
    if working_days < 1:
        raise ValueError("a re-assessment is due at least one working day after it is asked for")
    weeks, extra = divmod(working_days, 5)
    try:
        day = requested_on
        while day.weekday() >= _SATURDAY:  # from a weekend, count from the Friday before: the same Monday start
            day -= timedelta(days=1)
        day += timedelta(weeks=weeks)
        for _ in range(extra):
            day += timedelta(days=3 if day.weekday() == 4 else 1)
        return day
    except OverflowError:
        raise DueDateOutOfRange(f"requested_on {requested_on.isoformat()}: {working_days} working days later "
                                "is past 9999-12-31") from None


def is_overdue(*, status: str, due_by: date, today: date) -> bool:
    """BUD-12: still open after the day it was due."""
    return status == OPEN and today > due_by
