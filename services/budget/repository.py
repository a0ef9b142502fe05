"""Every query of the budget service. Reads on behalf of a caller are scoped to the caller's LAs."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import bindparam, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kit.auth import Caller
from kit.tenancy import found, scoped
from services.budget.ledger import Balances, Posting
from services.budget.models import (
    Budget,
    Child,
    HealthFundingEvent,
    LedgerEntry,
    LedgerTransaction,
    PanelDecision,
    Provision,
    Review,
    Variation,
)


@dataclass(frozen=True)
class HealthState:
    budget_id: str | None
    latest_applied: tuple[date, datetime] | None  # (effective_from, received_at)
    health_agreed_pence: int


def _lock(stmt, session: AsyncSession):
    # SQLite takes the database write lock at BEGIN (kit.db), so only PostgreSQL needs row locks.
    return stmt.with_for_update() if session.bind.dialect.name == "postgresql" else stmt


async def budget_for(session: AsyncSession, budget_id: str, caller: Caller, *, lock: bool = False) -> Budget:
    """The caller's budget, or 404 (also for another LA's budget)."""
    stmt = scoped(select(Budget).where(Budget.id == budget_id), Budget.local_authority, caller)
    budget = (await session.execute(_lock(stmt, session) if lock else stmt)).scalar_one_or_none()
    return found(budget, "budget", budget_id)


async def budget_by_id(session: AsyncSession, budget_id: str, *, lock: bool = False) -> Budget | None:
    stmt = select(Budget).where(Budget.id == budget_id)
    return (await session.execute(_lock(stmt, session) if lock else stmt)).scalar_one_or_none()


async def budgets_of_child(session: AsyncSession, la: str, child_id: str) -> list[Budget]:
    stmt = select(Budget).where(Budget.local_authority == la, Budget.child_id == child_id)
    return list((await session.execute(stmt.order_by(Budget.period_start))).scalars())


async def open_budget(session: AsyncSession, la: str, child_id: str) -> Budget | None:
    """The CYP's open budget: the latest plan period that is not closed."""
    stmt = (select(Budget).where(Budget.local_authority == la, Budget.child_id == child_id,
                                 Budget.status != "closed")
            .order_by(Budget.period_start.desc()).limit(1))
    return (await session.execute(stmt)).scalar_one_or_none()


# The statements of the hot path (every ICB event, every payment) are built once, with bound parameters:
# building SQLAlchemy constructs per call costs more CPU than running them.
_LATEST = (select(HealthFundingEvent.effective_from, HealthFundingEvent.received_at)
           .where(HealthFundingEvent.budget_id == Budget.id, HealthFundingEvent.status == "applied")
           .order_by(HealthFundingEvent.effective_from.desc(), HealthFundingEvent.received_at.desc())
           .limit(1))
_HEALTH_STATE = (
    select(Budget.id, _LATEST.with_only_columns(HealthFundingEvent.effective_from).scalar_subquery(),
           _LATEST.with_only_columns(HealthFundingEvent.received_at).scalar_subquery(),
           select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0))
           .where(LedgerEntry.budget_id == Budget.id, LedgerEntry.stream == "health",
                  LedgerEntry.account == "agreed").scalar_subquery())
    .where(Budget.local_authority == bindparam("la"), Budget.child_id == bindparam("child_id"),
           Budget.status != "closed")
    .order_by(Budget.period_start.desc()).limit(1))
_INSERT_TXN = insert(LedgerTransaction.__table__).returning(LedgerTransaction.__table__.c.id)
_INSERT_ENTRIES = insert(LedgerEntry.__table__)


def _upsert_child(dialect):
    stmt = dialect.insert(Child.__table__)
    return stmt.on_conflict_do_update(index_elements=["local_authority", "child_id"],
                                      set_={"child_id": stmt.excluded.child_id})


_BY_DIALECT = {
    name: {"upsert_child": _upsert_child(d),
           "insert_event": d.insert(HealthFundingEvent.__table__).on_conflict_do_nothing()}
    for name, d in (("postgresql", postgresql), ("sqlite", sqlite))
}


async def _core(session: AsyncSession, name: str, params):
    stmt = _BY_DIALECT[session.bind.dialect.name][name]
    return await (await session.connection()).execute(stmt, params)


async def lock_child_row(session: AsyncSession, la: str, child_id: str) -> None:
    """Create (if new) and lock the CYP's row in one statement: an upsert takes the row lock on PostgreSQL."""
    await _core(session, "upsert_child", {"local_authority": la, "child_id": child_id})


async def health_state(session: AsyncSession, la: str, child_id: str) -> HealthState:
    """In one query: the CYP's open budget, its latest applied ICB event and its health stream's agreed
    amount (the sum of the entries, BUD-08)."""
    conn = await session.connection()
    row = (await conn.execute(_HEALTH_STATE, {"la": la, "child_id": child_id})).first()
    if row is None:
        return HealthState(None, None, 0)
    effective, received = row[1], row[2]
    if isinstance(effective, str):  # SQLite hands back raw values from a scalar subquery
        effective = date.fromisoformat(effective)
    if isinstance(received, str):
        received = datetime.fromisoformat(received)
    if received is not None and received.tzinfo is None:
        received = received.replace(tzinfo=UTC)
    return HealthState(row[0], (effective, received) if effective is not None else None, -int(row[3]))


async def insert_health_event(session: AsyncSession, values: dict) -> bool:
    """Record an ICB event unless its event_id is known; True when this call recorded it (BUD-07)."""
    return (await _core(session, "insert_event", values)).rowcount == 1


async def lock_child(session: AsyncSession, la: str, child_id: str) -> Child:
    """The CYP's row, created if new and locked for this transaction: opening a budget and applying health
    funding for one CYP never interleave (BUD-01, BUD-07)."""
    await lock_child_row(session, la, child_id)
    stmt = select(Child).where(Child.local_authority == la, Child.child_id == child_id)
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one()


async def list_budgets(
    session: AsyncSession, caller: Caller, *, child_id: str | None, limit: int, cursor_stmt
) -> list[Budget]:
    stmt = scoped(select(Budget), Budget.local_authority, caller)
    if child_id:
        stmt = stmt.where(Budget.child_id == child_id)
    return list((await session.execute(cursor_stmt(stmt))).scalars())


async def provisions(session: AsyncSession, budget_id: str) -> list[Provision]:
    stmt = (
        select(Provision).where(Provision.budget_id == budget_id).order_by(Provision.created_at, Provision.id)
    )
    return list((await session.execute(stmt)).scalars())


async def panel_decisions(session: AsyncSession, budget_id: str) -> list[PanelDecision]:
    stmt = select(PanelDecision).where(PanelDecision.budget_id == budget_id).order_by(PanelDecision.seq)
    return list((await session.execute(stmt)).scalars())


async def balances(session: AsyncSession, budget_id: str) -> Balances:
    """Every balance is the sum of its ledger entries (BUD-08)."""
    stmt = (
        select(LedgerEntry.stream, LedgerEntry.account, func.sum(LedgerEntry.amount_pence))
        .where(LedgerEntry.budget_id == budget_id)
        .group_by(LedgerEntry.stream, LedgerEntry.account)
    )
    return Balances.of((await session.execute(stmt)).all())


async def post(
    session: AsyncSession,
    budget_id: str,
    postings: Sequence[Posting | None],
    *,
    now,
    reverses_id: int | None = None,
) -> list[int]:
    """Append balanced postings to the ledger; None (nothing to move) is skipped. Core statements: this is on
    the hot path of every event that moves money."""
    ids = []
    conn = await session.connection()
    for posting in postings:
        if posting is None:
            continue
        txn_id = (await conn.execute(_INSERT_TXN, {
            "budget_id": budget_id, "kind": posting.kind, "memo": posting.memo,
            "reference": posting.reference, "reverses_id": reverses_id, "created_at": now})).scalar_one()
        await conn.execute(_INSERT_ENTRIES, [
            {"transaction_id": txn_id, "budget_id": budget_id, "stream": e.stream, "account": e.account,
             "amount_pence": e.amount_pence} for e in posting.entries])
        ids.append(txn_id)
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


async def health_events(
    session: AsyncSession, la: str, child_id: str, *, statuses: Sequence[str], budget_id: str | None = None
) -> list[HealthFundingEvent]:
    stmt = select(HealthFundingEvent).where(
        HealthFundingEvent.local_authority == la,
        HealthFundingEvent.child_id == child_id,
        HealthFundingEvent.status.in_(statuses),
    )
    if budget_id is not None:
        stmt = stmt.where(HealthFundingEvent.budget_id == budget_id)
    stmt = stmt.order_by(HealthFundingEvent.effective_from, HealthFundingEvent.received_at)
    return list((await session.execute(stmt)).scalars())


async def health_event(session: AsyncSession, event_id: str) -> HealthFundingEvent | None:
    return await session.get(HealthFundingEvent, event_id)


async def variations(session: AsyncSession, budget_id: str) -> list[Variation]:
    stmt = select(Variation).where(Variation.budget_id == budget_id).order_by(Variation.created_at)
    return list((await session.execute(stmt)).scalars())


async def variation(session: AsyncSession, budget_id: str, variation_id: str) -> Variation:
    v = (
        await session.execute(
            select(Variation).where(Variation.budget_id == budget_id, Variation.id == variation_id)
        )
    ).scalar_one_or_none()
    return found(v, "variation", variation_id)


async def reviews(session: AsyncSession, budget_id: str) -> list[Review]:
    stmt = select(Review).where(Review.budget_id == budget_id).order_by(Review.reviewed_on.desc())
    return list((await session.execute(stmt)).scalars())


async def reviews_due(session: AsyncSession, caller: Caller, due_before: date, limit: int) -> list[Budget]:
    stmt = scoped(
        select(Budget).where(
            Budget.status == "agreed",
            Budget.next_review_due.is_not(None),
            Budget.next_review_due <= due_before,
        ),
        Budget.local_authority,
        caller,
    )
    return list(
        (await session.execute(stmt.order_by(Budget.next_review_due, Budget.id).limit(limit))).scalars()
    )


async def budgets_of_la(session: AsyncSession, la: str, *, limit: int, after: str | None) -> list[Budget]:
    stmt = select(Budget).where(Budget.local_authority == la)
    if after:
        stmt = stmt.where(Budget.id > after)
    return list((await session.execute(stmt.order_by(Budget.id).limit(limit + 1))).scalars())


async def provisions_of(session: AsyncSession, budget_ids: Sequence[str]) -> list[Provision]:
    if not budget_ids:
        return []
    return list(
        (await session.execute(select(Provision).where(Provision.budget_id.in_(budget_ids)))).scalars()
    )


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
