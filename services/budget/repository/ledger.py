"""Ledger queries (BUD-08): balances are sums of entries; postings are appended, never changed."""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from kit.tenancy import found
from services.budget.domain.ledger import Balances, Posting
from services.budget.models import (
    LedgerEntry,
    LedgerTransaction,
)

# Ids come back in the order of the parameter sets, so each transaction's entries can name it.
_INSERT_TXNS = insert(LedgerTransaction.__table__).returning(LedgerTransaction.__table__.c.id,
                                                             sort_by_parameter_order=True)


_INSERT_ENTRIES = insert(LedgerEntry.__table__)


async def balances(session: AsyncSession, budget_id: str) -> Balances:
    """Every balance is the sum of its ledger entries (BUD-08)."""
    stmt = (
        select(LedgerEntry.stream, LedgerEntry.account, func.sum(LedgerEntry.amount_pence))
        .where(LedgerEntry.budget_id == budget_id)
        .group_by(LedgerEntry.stream, LedgerEntry.account)
    )
    return Balances.of((await session.execute(stmt)).all())


async def balances_of(session: AsyncSession, budget_ids: Sequence[str]) -> dict[str, Balances]:
    """Each budget's balances in one query (BUD-08: sums of its entries); a budget with no entries has zeros."""
    stmt = (
        select(LedgerEntry.budget_id, LedgerEntry.stream, LedgerEntry.account, func.sum(LedgerEntry.amount_pence))
        .where(LedgerEntry.budget_id.in_(budget_ids))
        .group_by(LedgerEntry.budget_id, LedgerEntry.stream, LedgerEntry.account)
    )
    sums: dict[str, list[tuple[str, str, int]]] = {i: [] for i in budget_ids}
    for budget_id, stream, account, total in (await session.execute(stmt)).all() if budget_ids else ():
        sums[budget_id].append((stream, account, total))
    return {i: Balances.of(rows) for i, rows in sums.items()}


async def post(
    session: AsyncSession,
    budget_id: str,
    postings: Sequence[Posting | None],
    *,
    now,
    reverses_id: int | None = None,
) -> list[int]:
    """Append balanced postings to the budget's ledger; None (nothing to move) is skipped."""
    return await post_many(session, [(budget_id, p) for p in postings if p is not None], now=now,
                           reverses_id=reverses_id)


async def post_many(
    session: AsyncSession, postings: Sequence[tuple[str, Posting]], *, now, reverses_id: int | None = None
) -> list[int]:
    """Append balanced postings, each to its budget's ledger, in two statements whatever their number: this is on
    the hot path of every event that moves money. The ids of the new transactions, in order."""
    if not postings:
        return []
    conn = await session.connection()
    ids = list((await conn.execute(_INSERT_TXNS, [
        {"budget_id": budget_id, "kind": p.kind, "memo": p.memo, "reference": p.reference,
         "reverses_id": reverses_id, "created_at": now} for budget_id, p in postings])).scalars())
    await conn.execute(_INSERT_ENTRIES, [
        {"transaction_id": txn_id, "budget_id": budget_id, "stream": e.stream, "account": e.account,
         "amount_pence": e.amount_pence}
        for txn_id, (budget_id, p) in zip(ids, postings, strict=True) for e in p.entries])
    return ids


async def reference_booked(session: AsyncSession, reference: str) -> bool:
    stmt = select(LedgerTransaction.id).where(LedgerTransaction.reference == reference)
    return (await session.execute(stmt)).first() is not None


async def ledger(session: AsyncSession, budget_id: str, *, limit: int, before: int | None):
    stmt = select(LedgerTransaction).where(LedgerTransaction.budget_id == budget_id)
    if before is not None:
        stmt = stmt.where(LedgerTransaction.id < before)
    txns = list(
        (await session.execute(stmt.order_by(LedgerTransaction.id.desc()).limit(limit + 1))).scalars()
    )
    entries = (
        await session.execute(
            select(LedgerEntry)
            .where(LedgerEntry.transaction_id.in_([t.id for t in txns]))
            .order_by(LedgerEntry.id)
        )
    ).scalars()
    by_txn: dict[int, list[LedgerEntry]] = {}
    for e in entries:
        by_txn.setdefault(e.transaction_id, []).append(e)
    return txns, by_txn


async def transaction(session: AsyncSession, budget_id: str, transaction_id: int):
    txn = (
        await session.execute(
            select(LedgerTransaction).where(
                LedgerTransaction.budget_id == budget_id, LedgerTransaction.id == transaction_id
            )
        )
    ).scalar_one_or_none()
    found(txn, "ledger transaction", transaction_id)
    entries = (
        await session.execute(
            select(LedgerEntry).where(LedgerEntry.transaction_id == transaction_id).order_by(LedgerEntry.id)
        )
    ).scalars()
    return txn, list(entries)


async def reversal_of(session: AsyncSession, transaction_id: int) -> LedgerTransaction | None:
    stmt = select(LedgerTransaction).where(LedgerTransaction.reverses_id == transaction_id)
    return (await session.execute(stmt)).scalar_one_or_none()
