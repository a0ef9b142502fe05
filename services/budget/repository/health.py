"""The CYP lock and the ICB health-funding queries (BUD-07): the service's hot path, so its statements are
built once with bound parameters."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, Date, DateTime, String, bindparam, func, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from services.budget.models import (
    Budget,
    Child,
    HealthFundingEvent,
    Insufficiency,
    LedgerEntry,
    Provision,
)


@dataclass(frozen=True)
class HealthState:
    budget_id: str | None
    latest_applied: tuple[date, datetime] | None  # (effective_from, received_at)
    health_agreed_pence: int
    # What BUD-05 needs to judge an ICB change: the budget's status, what its health provision costs a year, and
    # the amount its open health insufficiency was flagged at (None: not flagged).
    status: str | None = None
    health_cost_pence: int = 0
    flagged_pence: int | None = None

    def after(self, **changes) -> HealthState:
        return replace(self, **changes)


# The statements of the hot path (every ICB event, every payment) are built once, with bound parameters:
# building SQLAlchemy constructs per call costs more CPU than running them.
_LATEST = (select(HealthFundingEvent.effective_from, HealthFundingEvent.received_at)
           .where(HealthFundingEvent.budget_id == Budget.id, HealthFundingEvent.status == "applied")
           .order_by(HealthFundingEvent.effective_from.desc(), HealthFundingEvent.received_at.desc())
           .limit(1))


# The open budget of each of a set of CYPs (the latest period wins if more than one is open), with its latest
# applied ICB event, its health stream's agreed amount, its status, its health provision's annual cost and its open
# health insufficiency (BUD-05), so that judging a cut costs no further query.
_HEALTH_STATES = (
    select(Budget.local_authority, Budget.child_id, Budget.id,
           _LATEST.with_only_columns(HealthFundingEvent.effective_from).scalar_subquery(),
           _LATEST.with_only_columns(HealthFundingEvent.received_at).scalar_subquery(),
           select(func.coalesce(func.sum(LedgerEntry.amount_pence), 0))
           .where(LedgerEntry.budget_id == Budget.id, LedgerEntry.stream == "health",
                  LedgerEntry.account == "agreed").scalar_subquery(),
           Budget.status,
           select(func.coalesce(func.sum(Provision.annual_cost_pence), 0))
           .where(Provision.budget_id == Budget.id, Provision.stream == "health").scalar_subquery(),
           select(Insufficiency.agreed_pence)
           .where(Insufficiency.budget_id == Budget.id, Insufficiency.stream == "health",
                  Insufficiency.cleared_at.is_(None)).limit(1).scalar_subquery())
    .where(Budget.status != "closed")
    .order_by(Budget.period_start))

# PostgreSQL: the CYPs travel as two arrays, so each statement's text is the same whatever the number of CYPs and a
# connection prepares it once (an expanding IN or a multi-row insert is a new statement for every size of batch).
_LAS, _CHILDREN = bindparam("las", type_=ARRAY(String)), bindparam("children", type_=ARRAY(String))
_PAIRS = func.unnest(_LAS, _CHILDREN).table_valued("local_authority", "child_id").render_derived(name="cyp")
_OF_PAIRS = tuple_(Budget.local_authority, Budget.child_id).in_(select(_PAIRS.c.local_authority, _PAIRS.c.child_id))
_OF_EXPANDED = tuple_(Budget.local_authority, Budget.child_id).in_(bindparam("pairs", expanding=True))


def _upsert_children(dialect, rows=None):
    stmt = dialect.insert(Child.__table__)
    if rows is not None:
        stmt = stmt.from_select(["local_authority", "child_id"], rows)
    return stmt.on_conflict_do_update(index_elements=["local_authority", "child_id"],
                                      set_={"child_id": stmt.excluded.child_id})


# The ICB events of a batch as one array per column (PostgreSQL), in the table's column order.
_EVENT_COLUMNS = {"event_id": String, "local_authority": String, "child_id": String, "annual_amount_pence": BigInteger,
                  "effective_from": Date, "reason": String, "channel": String, "status": String, "budget_id": String,
                  "received_at": DateTime(timezone=True), "applied_at": DateTime(timezone=True)}
_EVENTS = func.unnest(*(bindparam(name, type_=ARRAY(kind)) for name, kind in _EVENT_COLUMNS.items())) \
    .table_valued(*_EVENT_COLUMNS).render_derived(name="icb")

_BY_DIALECT = {
    "postgresql": {
        "upsert_children": _upsert_children(postgresql, select(_PAIRS.c.local_authority, _PAIRS.c.child_id)),
        "insert_events": postgresql.insert(HealthFundingEvent.__table__)
        .from_select(list(_EVENT_COLUMNS), select(*_EVENTS.c)).on_conflict_do_nothing()
        .returning(HealthFundingEvent.event_id),
        # The budget rows are locked too, so agreement, variations and payments (which lock them) never read a
        # health amount that an ICB event is changing (SQLite's write lock serialises anyway).
        "health_states": _HEALTH_STATES.where(_OF_PAIRS).with_for_update(of=Budget.__table__),
        "known_events": select(HealthFundingEvent.__table__).where(
            HealthFundingEvent.event_id == func.any(bindparam("ids", type_=ARRAY(String))))},
    "sqlite": {
        "upsert_children": _upsert_children(sqlite),
        "insert_events": sqlite.insert(HealthFundingEvent.__table__).on_conflict_do_nothing()
        .returning(HealthFundingEvent.event_id),
        "health_states": _HEALTH_STATES.where(_OF_EXPANDED),
        "known_events": select(HealthFundingEvent.__table__).where(
            HealthFundingEvent.event_id.in_(bindparam("ids", expanding=True)))},
}


def _pairs(session: AsyncSession, pairs: list[tuple[str, str]]) -> dict | list[dict]:
    """The CYPs as the dialect's statements take them: two arrays (PostgreSQL), or a list of pairs."""
    if session.bind.dialect.name == "postgresql":
        return {"las": [la for la, _ in pairs], "children": [child for _, child in pairs]}
    return {"pairs": pairs}


async def _core(session: AsyncSession, name: str, params):
    stmt = _BY_DIALECT[session.bind.dialect.name][name]
    return await (await session.connection()).execute(stmt, params)


async def wait_for_locks_at_most(session: AsyncSession, seconds: float) -> None:
    """Bound how long this transaction waits for a row lock (PostgreSQL; SQLite's one writer queues instead): past
    it the statement fails with lock_not_available, which kit.errors answers as 503 with Retry-After."""
    if session.bind.dialect.name == "postgresql":
        await session.execute(text(f"SET LOCAL lock_timeout = '{round(seconds * 1000)}ms'"))


async def lock_children(session: AsyncSession, children: Sequence[tuple[str, str]]) -> None:
    """Create (if new) and lock the CYPs' rows in one statement (an upsert takes the row locks on PostgreSQL),
    always in the same (sorted) order so that two transactions locking overlapping sets never deadlock."""
    pairs = sorted(set(children))
    if session.bind.dialect.name == "postgresql":
        await _core(session, "upsert_children", _pairs(session, pairs))
        return
    await _core(session, "upsert_children", [{"local_authority": la, "child_id": child} for la, child in pairs])


def _when(value, kind):
    """SQLite hands back raw values from a scalar subquery."""
    if isinstance(value, str):
        value = kind.fromisoformat(value)
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


async def health_states(session: AsyncSession, children: Sequence[tuple[str, str]]
                        ) -> dict[tuple[str, str], HealthState]:
    """In one query, for each (LA, CYP): its open budget, its latest applied ICB event, its health stream's
    agreed amount (the sum of the entries, BUD-08), and what BUD-05 judges a cut by (status, health provision
    cost, open insufficiency). A CYP with no open budget has ``budget_id`` None."""
    pairs = sorted(set(children))
    states = {pair: HealthState(None, None, 0) for pair in pairs}
    rows = await _core(session, "health_states", _pairs(session, pairs))
    for la, child, budget_id, effective, received, agreed, status, cost, flagged in rows:
        effective, received = _when(effective, date), _when(received, datetime)
        states[(la, child)] = HealthState(budget_id, (effective, received) if effective is not None else None,
                                          -int(agreed), status, int(cost),
                                          int(flagged) if flagged is not None else None)
    return states


async def health_state(session: AsyncSession, la: str, child_id: str) -> HealthState:
    return (await health_states(session, [(la, child_id)]))[(la, child_id)]


async def known_health_events(session: AsyncSession, event_ids: Sequence[str]) -> dict[str, dict]:
    """The recorded ICB events among ``event_ids``, by event id (their columns)."""
    rows = await _core(session, "known_events", {"ids": sorted(set(event_ids))})
    return {row.event_id: dict(row._mapping) for row in rows}


async def insert_health_events(session: AsyncSession, rows: Sequence[dict]) -> set[str]:
    """Record ICB events, skipping any whose event_id is already recorded; the ids this call recorded (BUD-07)."""
    if not rows:
        return set()
    if session.bind.dialect.name == "postgresql":
        columns = {name: [row[name] for row in rows] for name in _EVENT_COLUMNS}
        return set((await _core(session, "insert_events", columns)).scalars())
    return set((await _core(session, "insert_events", list(rows))).scalars())


async def lock_child(session: AsyncSession, la: str, child_id: str) -> Child:
    """The CYP's row, created if new and locked for this transaction: opening a budget and applying health
    funding for one CYP never interleave (BUD-01, BUD-07)."""
    await lock_children(session, [(la, child_id)])
    stmt = select(Child).where(Child.local_authority == la, Child.child_id == child_id)
    return (await session.execute(stmt.execution_options(populate_existing=True))).scalar_one()


async def child(session: AsyncSession, la: str, child_id: str) -> Child | None:
    """What the service knows of the CYP (its latest eligibility decision and RAS result), without locking it."""
    return await session.get(Child, (la, child_id))


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
