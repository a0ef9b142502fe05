"""Async engine and sessions for one service's own database (SQLite or PostgreSQL, same code)."""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Insert, MetaData, TypeDecorator, event, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.util import await_only

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def make_base() -> type[DeclarativeBase]:
    """A declarative base with its own metadata and the shared naming convention (one per service)."""

    class Base(DeclarativeBase):
        metadata = MetaData(naming_convention=NAMING_CONVENTION)

    return Base


@dataclass(frozen=True)
class Pool:
    """How many PostgreSQL connections one service process keeps, how long a transaction waits for one, and how
    long a statement or a lock wait may take (0: no limit). docs/OPERATIONS.md, "Sizing", says how to choose them;
    ``PlatformSettings.pool()`` builds one from the environment."""

    size: int = 10
    max_overflow: int = 5
    timeout_seconds: float = 2.0
    statement_timeout_seconds: float = 0.0
    lock_timeout_seconds: float = 0.0

    def server_settings(self) -> dict[str, str]:
        """The timeouts as PostgreSQL session settings, set on every connection the pool opens."""
        settings = {}
        if self.statement_timeout_seconds:
            settings["statement_timeout"] = f"{round(self.statement_timeout_seconds * 1000)}ms"
        if self.lock_timeout_seconds:
            settings["lock_timeout"] = f"{round(self.lock_timeout_seconds * 1000)}ms"
        return settings


class DatabaseBusy(TimeoutError):
    """No connection came free within the pool's timeout: the service is at capacity for now. Requests answer 503
    with Retry-After (kit.errors). It is a ``TimeoutError`` so that consumers and payment runs treat it as an outage
    to wait out (kit.outages.transient), never as one of a message's attempts."""

    def __init__(self, pool: Pool) -> None:
        super().__init__(f"no database connection came free within {pool.timeout_seconds:g}s (all "
                         f"{pool.size + pool.max_overflow} in use): the service is at capacity; try again shortly")
        self.retry_after = max(1, round(pool.timeout_seconds))


def create_engine(url: str, *, pool: Pool | None = None) -> AsyncEngine:
    """An engine for ``url``. SQLite gets WAL and BEGIN IMMEDIATE so one process's writers queue instead of failing;
    PostgreSQL gets the bounded pool and the timeouts of ``pool``."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        _serialise_sqlite_writers(engine)
        return engine
    pool = pool or Pool()
    connect_args = {"server_settings": settings} if (settings := pool.server_settings()) else {}
    engine = create_async_engine(url, pool_size=pool.size, max_overflow=pool.max_overflow,
                                 pool_timeout=pool.timeout_seconds, connect_args=connect_args)
    _replace_closed_connections(engine)
    _wait_for_a_server_connection(engine, pool)
    return engine


def _replace_closed_connections(engine: AsyncEngine) -> None:
    """A pooled connection the server has closed (a restart, ``pg_terminate_backend``) is replaced when it is checked
    out, without a round trip (``replace_if_closed``), where SQLAlchemy's pre-ping sends ``SELECT 1`` on every
    checkout (issue 21: a tenth of a service's CPU per request, and a round trip per transaction)."""
    event.listen(engine.sync_engine, "checkout", replace_if_closed)


def replace_if_closed(dbapi_conn, _record, _proxy) -> None:
    """The pool's ``checkout`` listener: asyncpg marks a connection closed as soon as the event loop reads the
    server's end of it, so asking ``is_closed()`` costs nothing; ``DisconnectionError`` makes the pool discard the
    connection and hand out a fresh one at once. A connection that dies after checkout, mid-transaction (or whose
    end the loop had not read yet), is invalidated by SQLAlchemy and answered 503 (kit.errors) or waited out by
    consumers and payment runs (kit.outages.transient)."""
    if dbapi_conn.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection; replacing it")


_SERVER_FULL = "53300"  # too_many_connections: the server's max_connections (or the role's limit) reached


def _wait_for_a_server_connection(engine: AsyncEngine, pool: Pool) -> None:
    """A new pooled connection that the server refuses because it is at its connection limit (shared by every
    service and anything else on the server) is asked for again, for up to the pool's timeout, as a free pooled
    connection is waited for: a connection another client closes a moment later serves the request. Past the
    bound the refusal is raised (a 503, kit.errors)."""

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect, _record, cargs, cparams):
        deadline, delay = time.monotonic() + pool.timeout_seconds, 0.05
        while True:
            try:
                return dialect.connect(*cargs, **cparams)
            except Exception as exc:
                if getattr(exc, "sqlstate", None) != _SERVER_FULL or time.monotonic() + delay > deadline:
                    raise
            await_only(asyncio.sleep(delay))  # the pool connects in SQLAlchemy's greenlet: this yields the loop
            delay = min(delay * 2, 0.5)


def _serialise_sqlite_writers(engine: AsyncEngine) -> None:
    # pysqlite's own transaction handling defers BEGIN until the first write, so two async writers can read the
    # same snapshot and one then fails to upgrade its lock. Taking the write lock at BEGIN makes them wait in turn.
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


# The names of the tables a pooled connection inserted into since it was checked out (in its ``info``).
_INSERTED = "sendpb.inserted_into"


def _track_inserts(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkout")
    def _checked_out(_dbapi_conn, record, _proxy):
        record.info.pop(_INSERTED, None)

    @event.listens_for(engine.sync_engine, "after_execute")
    def _executed(conn, statement, *_):
        if isinstance(statement, Insert):
            conn.info.setdefault(_INSERTED, set()).add(statement.table.name)


class Database:
    """One service's engine, session factory and after-commit listeners (e.g. waking the outbox relay)."""

    def __init__(self, url: str, *, pool: Pool | None = None) -> None:
        self.url, self.pool = url, pool or Pool()
        self.engine = create_engine(url, pool=self.pool)
        _track_inserts(self.engine)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False, autoflush=False)
        self._after_commit: list[tuple[Callable[[], None], str | None]] = []
        # SQLite has one writer at a time. Queueing this process's transactions on an asyncio lock hands the
        # database over at once, where waiting in SQLite's busy handler would sleep in growing steps.
        self._serial = asyncio.Lock() if self.engine.dialect.name == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def on_commit(self, callback: Callable[[], None], *, inserted_into: str | None = None) -> None:
        """Call ``callback`` after each transaction that commits, or only after those that inserted rows into the
        table ``inserted_into`` (the outbox relay is woken by new events, not by every read that commits: a pass
        of the relay is a transaction too, taking a connection from the requests)."""
        self._after_commit.append((callback, inserted_into))

    def committed(self, inserted: set[str] | frozenset[str] | None = None) -> None:
        """Run the after-commit callbacks for a transaction that inserted into ``inserted`` (None: any table)."""
        for callback, table in self._after_commit:
            if table is None or inserted is None or table in inserted:
                callback()

    @asynccontextmanager
    async def transaction(self, *, notify: bool = True) -> AsyncIterator[AsyncSession]:
        """A session whose work commits when the block ends without error and rolls back otherwise.
        Never open one inside another on the same database: on SQLite the inner one would wait for ever.
        Raises ``DatabaseBusy`` when no pooled connection comes free within the pool's timeout."""
        try:
            async with self._serialised(), self.sessions() as session:
                try:
                    yield session
                    inserted = await _inserted_into(session)
                    await session.commit()
                except BaseException:
                    await session.rollback()
                    raise
        except PoolTimeout as exc:
            raise DatabaseBusy(self.pool) from exc
        if notify:
            self.committed(inserted)

    @asynccontextmanager
    async def _serialised(self) -> AsyncIterator[None]:
        if self._serial is None:
            yield
        else:
            async with self._serial:
                yield

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


async def _inserted_into(session: AsyncSession) -> frozenset[str]:
    """The tables the session's transaction inserted into (none if it never used a connection)."""
    if not session.in_transaction():
        return frozenset()
    return frozenset((await session.connection()).info.get(_INSERTED, ()))


class UTCDateTime(TypeDecorator):
    """An aware UTC datetime on both backends (SQLite would otherwise hand back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


async def bulk_insert(session: AsyncSession, table: Any, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """Set-based insert of ``rows`` (tuples in ``columns``' order) into ``table``, inside the session's open
    transaction: COPY on PostgreSQL, multi-row INSERTs of 1,000 elsewhere. A duplicate key raises SQLAlchemy's
    ``IntegrityError`` either way."""
    if not rows:
        return
    if session.bind.dialect.name == "postgresql":
        import asyncpg

        conn = await session.connection()
        conn.info.setdefault(_INSERTED, set()).add(table.name)  # COPY is no Insert statement for _track_inserts
        raw = await conn.get_raw_connection()
        try:
            await raw.driver_connection.copy_records_to_table(table.name, records=list(rows), columns=list(columns))
        except asyncpg.UniqueViolationError as exc:  # the same error as a multi-row INSERT would raise
            raise IntegrityError(f"COPY {table.name}", None, exc) from exc
        return
    for start in range(0, len(rows), 1000):
        await session.execute(insert(table), [dict(zip(columns, r, strict=True)) for r in rows[start:start + 1000]])
