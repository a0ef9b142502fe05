"""Family pages by signed link (issue 20): which documents a link may open, how long it lasts, whether it still
opens, and what a statement tells a family, in the order they need it.

A link is issued by a caseworker for one family (one budget) and one document; it is signed, expires, can be
revoked, and every opening is recorded. The rules every service shares are kit.family's; signing, storage and the
page's frame are kit's too (kit/family_links.py, kit/family_pages.py)."""
from __future__ import annotations

from dataclasses import dataclass

from kit.family import DEFAULT_LINK_DAYS, EXPIRED, MAX_LINK_DAYS, OPEN, REVOKED, link_days_refusal, link_state

__all__ = ["DEFAULT_LINK_DAYS", "DISPUTE", "DOCUMENTS", "DECISIONS", "EXPIRED", "MAX_LINK_DAYS", "OPEN", "REVOKED",
           "link_days_refusal", "link_state"]

# The documents a budget's family link can open: the statement, and a decision notice naming the next step open to
# the family (BUD-13): a variation (BUD-10: a reduction's written notice) or a panel decision (BUD-06), by its id.
DECISIONS = ("variation", "panel_decision")
# A dispute (BUD-13) by its id: every step so far with its dates and outcome, and the next step open to the family.
DISPUTE = "dispute"
DOCUMENTS = ("statement", *DECISIONS, DISPUTE)


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
