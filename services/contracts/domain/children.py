"""CON-10: a child's provision lines name the block contracts that serve them, so that each contract's family
summary (CON-07) reaches the families it serves. Pure: whether a line names a contract of its own LA.

The budget cannot see contracts, so it accepts any contract id on a line; contracts decides here whether the line
names one of its contracts *of the line's LA*. One that does not (an unknown id, or another LA's contract) is
recorded as unmatched, with the same reason either way, so that another LA's contract is never revealed."""
from __future__ import annotations

from dataclasses import dataclass

RULE = "CON-10"
MATCHED, UNMATCHED = "matched", "unmatched"
NOT_OURS = ("CON-10: no block contract of this local authority has this id, so the line does not put the child on "
            "any contract's list; correct the provision line's contract_id")


@dataclass(frozen=True)
class Match:
    status: str
    reason: str | None = None

    @property
    def serves(self) -> bool:
        return self.status == MATCHED


def match(*, contract_la: str | None, line_la: str) -> Match:
    """CON-10: a line serves the child under a contract only when the contract is one of the line's own LA
    (``contract_la`` None: contracts holds no contract with that id)."""
    if contract_la is None or contract_la != line_la:
        return Match(UNMATCHED, NOT_OURS)
    return Match(MATCHED)


def serving(budget_status: str | None) -> bool:
    """A contract serves the child of a budget that has not closed (a budget contracts has not heard of yet
    counts as open: its line was just added)."""
    return budget_status != "closed"
