"""Idempotent consumers: each event is handled inside one transaction that also records (consumer, event_id)
in the inbox, so a redelivered event is acknowledged without being applied twice."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kit.bus import PoisonMessage
from kit.db import Database
from kit.events import Envelope, utcnow
from kit.logs import correlation_id
from kit.metrics import EVENTS_CONSUMED
from kit.tables import inbox

log = logging.getLogger("sendpb.inbox")

EventHandler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]


async def insert_ignoring_duplicates(session: AsyncSession, table, values: dict) -> bool:
    """Insert a row unless its key exists; True when this call inserted it."""
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(table).values(**values).on_conflict_do_nothing()
    result = await session.execute(stmt)
    return result.rowcount == 1


class Consumers:
    """A service's event handlers, keyed by event type. ``handle`` is what the bus calls with a message body."""

    def __init__(self) -> None:
        self.handlers: dict[str, EventHandler] = {}

    def on(self, event_type: str) -> Callable[[EventHandler], EventHandler]:
        def register(fn: EventHandler) -> EventHandler:
            self.handlers[event_type] = fn
            return fn
        return register

    @property
    def routing_keys(self) -> list[str]:
        return sorted(self.handlers)

    def bind(self, *, consumer: str, db: Database, settings: Any) -> Callable[[bytes], Awaitable[None]]:
        async def handle(body: bytes) -> None:
            try:
                envelope = Envelope.from_bytes(body)
            except ValidationError as exc:
                EVENTS_CONSUMED.labels(consumer, "unknown", "poison").inc()
                raise PoisonMessage(f"not a valid event envelope: {exc.errors()[:3]}") from None
            handler = self.handlers.get(envelope.type)
            if handler is None:
                EVENTS_CONSUMED.labels(consumer, envelope.type, "ignored").inc()
                return
            token = correlation_id.set(envelope.correlation_id or str(envelope.event_id))
            try:
                fresh = await self._apply(db, consumer, envelope, handler, settings)
            finally:
                correlation_id.reset(token)
            EVENTS_CONSUMED.labels(consumer, envelope.type, "applied" if fresh else "duplicate").inc()
        return handle

    @staticmethod
    async def _apply(db: Database, consumer: str, envelope: Envelope, handler: EventHandler, settings: Any) -> bool:
        async with db.transaction() as session:
            fresh = await insert_ignoring_duplicates(session, inbox, {
                "consumer": consumer, "event_id": str(envelope.event_id), "type": envelope.type,
                "received_at": utcnow(),
            })
            if fresh:
                await handler(session, envelope, settings)
        return fresh
