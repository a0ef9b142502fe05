"""Ages from dates (ELIG-04): under 26 on the request date; a young person after the school year in which they
turn 16. Pure date arithmetic, no I/O."""
from __future__ import annotations

from datetime import date

AGE_LIMIT = 26  # ELIG-04: the CYP must be under 26 on the request date


def anniversary(born: date, year: int) -> date:
    """The birthday in ``year``; a 29 February birthday falls on 1 March in other years (as English law counts
    it)."""
    try:
        return born.replace(year=year)
    except ValueError:
        return date(year, 3, 1)


def age_on(born: date, on: date) -> int:
    years = on.year - born.year
    return years if anniversary(born, on.year) <= on else years - 1


def young_person_from(born: date) -> date:
    """The first day the CYP is a young person: 1 September after the school year (to 31 August) in which they
    turn 16."""
    sixteenth = anniversary(born, born.year + 16)
    school_year_ends = sixteenth.year if sixteenth.month <= 8 else sixteenth.year + 1
    return date(school_year_ends, 9, 1)


def is_young_person(born: date, on: date) -> bool:
    return on >= young_person_from(born)
