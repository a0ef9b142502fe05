"""Idempotent consumers: each event is handled inside one transaction that also records (consumer, event_id)
in the inbox, so a redelivered event is acknowledged without being applied twice."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from kit.batching import Batcher
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

    def bind(self, *, consumer: str, db: Database, settings: Any,
             batch_size: int = 64) -> Callable[[bytes], Awaitable[None]]:
        """What the bus calls for each message: concurrent deliveries share one transaction (see Batcher)."""

        def parse(body: bytes) -> Envelope:
            try:
                return Envelope.from_bytes(body)
            except ValidationError as exc:
                EVENTS_CONSUMED.labels(consumer, "unknown", "poison").inc()
                raise PoisonMessage(f"not a valid event envelope: {exc.errors()[:3]}") from None

        async def apply(session: AsyncSession, envelope: Envelope) -> str:
            handler = self.handlers.get(envelope.type)
            if handler is None:
                return "ignored"
            fresh = await insert_ignoring_duplicates(session, inbox, {
                "consumer": consumer, "event_id": str(envelope.event_id), "type": envelope.type,
                "received_at": utcnow(),
            })
            if fresh:
                token = correlation_id.set(envelope.correlation_id or str(envelope.event_id))
                try:
                    await handler(session, envelope, settings)
                finally:
                    correlation_id.reset(token)
            return "applied" if fresh else "duplicate"

        def count(envelopes: list[Envelope], outcomes: list[str]) -> None:
            for envelope, outcome in zip(envelopes, outcomes, strict=True):
                EVENTS_CONSUMED.labels(consumer, envelope.type, outcome).inc()

        async def run_one(body: bytes) -> None:
            envelope = parse(body)
            async with db.transaction() as session:
                outcome = await apply(session, envelope)
            count([envelope], [outcome])

        async def run_batch(bodies: list[bytes]) -> None:
            envelopes = [parse(body) for body in bodies]  # a poison message sends the batch to run_one
            async with db.transaction() as session:
                outcomes = [await apply(session, envelope) for envelope in envelopes]
            count(envelopes, outcomes)

        return Batcher(run_batch, run_one, max_size=batch_size).submit
