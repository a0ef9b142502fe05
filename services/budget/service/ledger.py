"""Reading a budget's ledger (BUD-08): every movement of money, newest first, each with its double entries."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kit.errors import InvalidInput
from kit.pagination import Paged, decode_cursor
from services.budget import repository as repo
from services.budget.models import Budget, LedgerEntry, LedgerTransaction


@dataclass(frozen=True)
class Transaction:
    txn: LedgerTransaction
    entries: list[LedgerEntry]


@dataclass(frozen=True)
class Slice:
    items: list[Transaction]
    next_cursor: str | None  # None on the last page
    next_before: int | None  # the same place as a transaction id, for callers that page with ``before``


def _before_of(cursor: str) -> int:
    """The transaction id a ledger cursor pages on from (transactions are numbered in the order booked)."""
    _, ident = decode_cursor(cursor)
    if not (ident.isascii() and ident.isdigit()) or not 1 <= int(ident) <= 2**63 - 1:  # a BIGINT id
        raise InvalidInput.field("cursor", "not a cursor returned by this API")
    return int(ident)


async def page(session: AsyncSession, budget: Budget, *, limit: int, cursor: str | None = None,
               before: int | None = None) -> Slice:
    """Up to ``limit`` transactions of the budget, newest first, after ``cursor`` (or older than ``before``)."""
    if cursor is not None and before is not None:
        raise InvalidInput.field("before", "page with cursor or with before, not both")
    if cursor is not None:
        before = _before_of(cursor)
    txns, entries = await repo.ledger(session, budget.id, limit=limit, before=before)
    page = Paged.of(txns, limit=limit)
    return Slice([Transaction(t, entries.get(t.id, [])) for t in page.items], page.next_cursor,
                 page.items[-1].id if page.next_cursor else None)
