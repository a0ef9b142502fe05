"""Family pages by signed link (issue 20): which documents a link may open, how long it lasts, whether it still
opens, and what a statement tells a family, in the order they need it.

A link is issued by a caseworker for one family (one budget) and one document; it is signed, expires, can be
revoked, and every opening is recorded. These are the rules; signing, storage and rendering live outside."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# The documents a family link can open. Only the statement is served today; contract summaries (CON-07), notices
# (BUD-10, PAY-07/PAY-10, BUD-13) and the local offer (BUD-15) join this list when their pages exist.
DOCUMENTS = ("statement",)
DEFAULT_LINK_DAYS = 28
MAX_LINK_DAYS = 90

OPEN, EXPIRED, REVOKED = "open", "expired", "revoked"


def link_days_refusal(days: int) -> str | None:
    """Why a link cannot last ``days`` days, or None: at least a day, at most ``MAX_LINK_DAYS`` (a link is a key to
    a child's figures; one that never expires cannot be taken back from a forwarded email)."""
    if days < 1:
        return "a link lasts at least 1 day"
    if days > MAX_LINK_DAYS:
        return f"a link lasts at most {MAX_LINK_DAYS} days; issue a new one when it runs out"
    return None


def link_expiry(issued_at: datetime, days: int) -> datetime:
    return issued_at + timedelta(days=days)


def link_state(*, expires_at: datetime, revoked_at: datetime | None, now: datetime) -> str:
    """``revoked`` once revoked (whenever that was), else ``expired`` from ``expires_at`` on, else ``open``."""
    if revoked_at is not None:
        return REVOKED
    if now >= expires_at:
        return EXPIRED
    return OPEN


@dataclass(frozen=True)
class StreamMoney:
    """One stream's money for the year, as the ledger gives it (BUD-08), in pence."""

    stream: str
    agreed_pence: int
    released_pence: int
    committed_pence: int
    spent_pence: int

    @property
    def for_the_year_pence(self) -> int:
        """What the family has to spend this year: the agreed amount plus what was moved in from a block contract."""
        return self.agreed_pence + self.released_pence

    @property
    def left_pence(self) -> int:
        """BUD-08: available = agreed + released − committed − spent."""
        return self.for_the_year_pence - self.committed_pence - self.spent_pence


@dataclass(frozen=True)
class Totals:
    agreed_pence: int
    released_pence: int
    for_the_year_pence: int
    spent_pence: int
    committed_pence: int
    left_pence: int


def totals(streams: list[StreamMoney]) -> Totals:
    """The whole budget's figures, so that the page's sum reads: agreed + moved in = for the year; for the year −
    paid − set aside = left (the statement's old "agreed … left" did not add up when money was moved in)."""
    return Totals(*(sum(getattr(s, f) for s in streams) for f in (
        "agreed_pence", "released_pence", "for_the_year_pence", "spent_pence", "committed_pence", "left_pence")))
