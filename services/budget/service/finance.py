"""Finance totals of the budget ledger (BUD-08): the figures reconciliation compares with other services."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from kit.reports import until
from services.budget.domain.ledger import CREDIT_ACCOUNTS
from services.budget.repository.finance import FIGURES, ledger_sums

# Each figure as reported, and the sign that makes it positive (entries are debit positive).
REPORTED = {"payments": ("payments_pence", 1), "recoveries": ("recoveries_pence", -1),
            "releases": ("released_pence", -1), "returns": ("returned_pence", 1),
            **{a: ("released_total_pence" if a == "released" else f"{a}_pence", -1 if a in CREDIT_ACCOUNTS else 1)
               for a in ("agreed", "released", "committed", "spent", "available")}}


@dataclass(frozen=True)
class TotalsRow:
    """One budget and stream: postings booked from other services' events, and the balances (BUD-08)."""

    budget_id: str
    stream: str
    payments_pence: int
    recoveries_pence: int
    released_pence: int
    returned_pence: int
    agreed_pence: int
    released_total_pence: int
    committed_pence: int
    spent_pence: int
    available_pence: int


@dataclass(frozen=True)
class Totals:
    local_authority: str
    as_of: date | None
    rows: list[TotalsRow]


def rows_of(sums: Iterable[tuple]) -> list[TotalsRow]:
    """One row per budget and stream from ``(budget_id, stream, *FIGURES)`` sums; streams with no money on them
    (an indicative figure only) are left out."""
    rows = []
    for budget_id, stream, *figures in sums:
        if any(figures):
            reported = {REPORTED[name][0]: REPORTED[name][1] * int(value)
                        for name, value in zip(FIGURES, figures, strict=True)}
            rows.append(TotalsRow(budget_id=budget_id, stream=stream, **reported))
    return rows


async def totals(session: AsyncSession, *, la: str, as_of: date | None) -> Totals:
    """The LA's ledger totals per budget and stream, counting postings made on or before ``as_of`` (None: all)."""
    return Totals(la, as_of, rows_of(await ledger_sums(session, la=la, until=until(as_of))))
