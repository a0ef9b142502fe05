"""The CYP lock and the ICB health-funding queries (BUD-07): the service's hot path, so its statements are
built once with bound parameters."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import (
    Budget,
    Child,
    HealthFundingEvent,
    LedgerEntry,
)


@dataclass(frozen=True)
class HealthState:
    budget_id: str | None
    latest_applied: tuple[date, datetime] | None  # (effective_from, received_at)
    health_agreed_pence: int


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


def _upsert_child(dialect):
    stmt = dialect.insert(Child.__table__)
    return stmt.on_conflict_do_update(index_elements=["local_authority", "child_id"],
                                      set_={"child_id": stmt.excluded.child_id})


_BY_DIALECT = {
    name: {"upsert_child": _upsert_child(d),
           "insert_event": d.insert(HealthFundingEvent.__table__).on_conflict_do_nothing(),
           # The budget row is locked too, so agreement, variations and payments (which lock it) never read a
           # health amount that an ICB event is changing (PostgreSQL; SQLite's write lock serialises anyway).
           "health_state": _HEALTH_STATE.with_for_update(of=Budget.__table__) if name == "postgresql"
           else _HEALTH_STATE}
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
    row = (await _core(session, "health_state", {"la": la, "child_id": child_id})).first()
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
