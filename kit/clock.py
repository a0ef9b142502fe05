"""The platform's one clock. Every rule that depends on "now" or "today" (schedules, notice windows, audits,
reviews, the time an event occurred) reads it here, so a test can set the date the rules see without touching
the machine's clock (tokens, timeouts and the database keep the real time).

``frozen(when)`` holds the clock at a moment (``tick=True``: it starts there and moves on with real time);
``set_to`` does the same until ``reset``."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta

_offset: timedelta | None = None   # the clock runs, shifted by this much
_fixed: datetime | None = None     # the clock stands still here


def now() -> datetime:
    """The current time, aware UTC."""
    if _fixed is not None:
        return _fixed
    real = datetime.now(UTC)
    return real + _offset if _offset is not None else real


def today() -> date:
    return now().date()


def _moment(when: datetime | date) -> datetime:
    if isinstance(when, datetime):
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.combine(when, time(9, 0), tzinfo=UTC)


def set_to(when: datetime | date, *, tick: bool = False) -> None:
    """Hold the clock at ``when`` (a date means 09:00 UTC that day), or start it there if ``tick``."""
    global _offset, _fixed
    moment = _moment(when)
    if tick:
        _offset, _fixed = moment - datetime.now(UTC), None
    else:
        _offset, _fixed = None, moment


def reset() -> None:
    global _offset, _fixed
    _offset = _fixed = None


@contextmanager
def frozen(when: datetime | date, *, tick: bool = False) -> Iterator[None]:
    set_to(when, tick=tick)
    try:
        yield
    finally:
        reset()
