"""Finance totals of the budget ledger (BUD-08): the figures reconciliation compares with other services."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.domain.ledger import CREDIT_ACCOUNTS
from services.budget.repository.finance import FIGURES, ledger_sums

# Each figure as reported, and the sign that makes it positive (entries are debit positive).
REPORTED = {"payments": ("payments_pence", 1), "recoveries": ("recoveries_pence", -1),
            "releases": ("released_pence", -1), "returns": ("returned_pence", 1),
            **{a: ("released_total_pence" if a == "released" else f"{a}_pence", -1 if a in CREDIT_ACCOUNTS else 1)
               for a in ("agreed", "released", "committed", "spent", "available")}}


def rows_of(sums: Iterable[tuple]) -> list[dict[str, Any]]:
    """One row per budget and stream from ``(budget_id, stream, *FIGURES)`` sums; streams with no money on them
    (an indicative figure only) are left out."""
    rows = []
    for budget_id, stream, *figures in sums:
        row: dict[str, Any] = {"budget_id": budget_id, "stream": stream}
        for name, value in zip(FIGURES, figures, strict=True):
            field, sign = REPORTED[name]
            row[field] = sign * int(value)
        if any(figures):
            rows.append(row)
    return rows


async def totals(session: AsyncSession, *, la: str, until: datetime | None) -> list[dict[str, Any]]:
    """The LA's ledger totals per budget and stream, counting postings made before ``until`` (None: all)."""
    return rows_of(await ledger_sums(session, la=la, until=until))
