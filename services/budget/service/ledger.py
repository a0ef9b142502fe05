"""Reading a budget's ledger (BUD-08): every movement of money, newest first, each with its double entries."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.budget import repository as repo
from services.budget.models import Budget, LedgerEntry, LedgerTransaction


@dataclass(frozen=True)
class Transaction:
    txn: LedgerTransaction
    entries: list[LedgerEntry]


@dataclass(frozen=True)
class Slice:
    items: list[Transaction]
    next_before: int | None  # the id to page on from; None on the last page


async def page(session: AsyncSession, budget: Budget, *, limit: int, before: int | None) -> Slice:
    """Up to ``limit`` transactions of the budget older than ``before``, newest first."""
    txns, entries = await repo.ledger(session, budget.id, limit=limit, before=before)
    shown = txns[:limit]
    return Slice([Transaction(t, entries.get(t.id, [])) for t in shown],
                 shown[-1].id if len(txns) > limit else None)
