"""Today's date for the rules that depend on it (audit cadence, challenge windows). One place, so tests can
move time forward without waiting 28 days."""
from datetime import date

from kit.events import utcnow


def today() -> date:
    return utcnow().date()
