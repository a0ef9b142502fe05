"""Calendar arithmetic the rules need, in whole years."""
from __future__ import annotations

from calendar import isleap
from datetime import date


def years_after(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February falls on 28 February in a year that has none."""
    year = day.year + years
    if (day.month, day.day) == (2, 29) and not isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)
