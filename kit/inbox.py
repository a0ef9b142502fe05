"""Idempotent consumers: each event is handled inside one transaction that also records (consumer, event_id)
in the inbox, so a redelivered event is acknowledged without being applied twice."""
from __future__ import annotations

import contextlib
import logging
import re
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, SpanKind, Tracer
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import DateTime, String, bindparam, text
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from kit import tracing
from kit.batching import Batcher
from kit.bus import PoisonMessage, Unauthorised, publisher_of
from kit.db import Database
from kit.events import Envelope, utcnow
from kit.logs import correlation_id
from kit.metrics import EVENTS_CONSUMED
from kit.tables import inbox

log = logging.getLogger("sendpb.inbox")


class Reader(BaseModel):
    """A consumer's own minimal model of a payload it reads: the fields it needs, the rest ignored."""

    model_config = ConfigDict(extra="ignore")


R = TypeVar("R", bound=Reader)


def read(model: type[R], envelope: Envelope) -> R:
    """The payload as the consumer reads it; a payload that can never be read is dead-lettered at once."""
    try:
        return model.model_validate(envelope.payload)
    except ValidationError as exc:
        raise PoisonMessage(f"{envelope.type} payload is not readable: {exc.errors()[:3]}") from None

# NUL in a JSON string (always escaped; an escaped backslash before "u0000" is not one), which PostgreSQL cannot
# store in text: such an event could never be applied there, so it is dead-lettered at once.
_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")

EventHandler = Callable[[AsyncSession, Envelope, Any], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[Envelope], Any], Awaitable[None]]


# Built once (a statement built per call is compiled per call). SQLite: SQLAlchemy sends the rows as one multi-row
# insert. PostgreSQL: the rows travel as arrays, so the statement's text is the same whatever the lot's size and
# each connection prepares it once (a multi-row insert is a new statement, prepared anew, for every size of lot).
_CLAIM = sqlite.insert(inbox).on_conflict_do_nothing().returning(inbox.c.event_id)
_CLAIM_ARRAYS = text(
    "INSERT INTO inbox (consumer, event_id, type, received_at) "
    "SELECT :consumer, e.event_id, e.type, :received_at FROM unnest(:event_ids, :types) AS e(event_id, type) "
    "ON CONFLICT DO NOTHING RETURNING event_id"
).bindparams(bindparam("event_ids", type_=ARRAY(String)), bindparam("types", type_=ARRAY(String)),
             bindparam("received_at", type_=DateTime(timezone=True)))


async def claim(session: AsyncSession, consumer: str, envelopes: list[Envelope]) -> set[str]:
    """Record the envelopes in the inbox in one statement; the ids of those not seen before (to be applied)."""
    if not envelopes:
        return set()
    now = utcnow()
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        return set((await connection.execute(_CLAIM_ARRAYS, {
            "consumer": consumer, "received_at": now, "event_ids": [str(e.event_id) for e in envelopes],
            "types": [e.type for e in envelopes]})).scalars())
    rows = [{"consumer": consumer, "event_id": str(e.event_id), "type": e.type, "received_at": now}
            for e in envelopes]
    return set((await connection.execute(_CLAIM, rows)).scalars())


class Consumers:
    """A service's event handlers, keyed by event type. ``bind`` gives what the bus calls with a message body.

    A handler registered with ``on`` applies one event; one registered with ``on_batch`` is given, in order, the
    consecutive events of its type in a group-committed batch (those not applied before), so a busy stream can be
    applied with a few set-based statements per batch instead of several per event."""

    def __init__(self) -> None:
        self.handlers: dict[str, EventHandler] = {}
        self.batch_handlers: dict[str, BatchHandler] = {}

    def on(self, event_type: str) -> Callable[[EventHandler], EventHandler]:
        def register(fn: EventHandler) -> EventHandler:
            self.handlers[event_type] = fn
            return fn
        return register

    def on_batch(self, event_type: str) -> Callable[[BatchHandler], BatchHandler]:
        def register(fn: BatchHandler) -> BatchHandler:
            self.batch_handlers[event_type] = fn
            return fn
        return register

    @property
    def routing_keys(self) -> list[str]:
        return sorted({*self.handlers, *self.batch_handlers})

    def bind(self, *, consumer: str, db: Database, settings: Any,
             batch_size: int = 64) -> Batcher:
        """What the bus hands messages to: many at a time, or one per call with concurrent calls sharing one
        transaction (see Batcher)."""

        def parse(body: bytes) -> Envelope:
            if b"\\u0000" in body and _NUL.search(body):  # the plain search first: the pattern costs 30x
                EVENTS_CONSUMED.labels(consumer, "unknown", "poison").inc()
                raise PoisonMessage("text with the NUL character (\\u0000), which the database cannot store")
            try:
                return Envelope.delivered(body, publisher=publisher_of(body))
            except ValidationError as exc:
                EVENTS_CONSUMED.labels(consumer, "unknown", "poison").inc()
                raise PoisonMessage(f"not a valid event envelope: {exc.errors()[:3]}") from None

        known = {*self.handlers, *self.batch_handlers}
        tracer = tracing.tracer(f"sendpb.{consumer}")  # None unless tracing is on
        traces: dict[str, Context] = {}  # event id -> the context it was published in, while it is being applied

        async def run_handler(session: AsyncSession, envelopes: list[Envelope]) -> None:
            """One event, or a run of consecutive events of a type with a batch handler."""
            first = envelopes[0]
            token = correlation_id.set(first.correlation_id or str(first.event_id))
            try:
                with _span(tracer, "process", consumer, envelopes, traces):
                    if first.type in self.batch_handlers:
                        await self.batch_handlers[first.type](session, envelopes, settings)
                    else:
                        await self.handlers[first.type](session, first, settings)
            finally:
                correlation_id.reset(token)

        async def apply(session: AsyncSession, envelopes: list[Envelope]) -> list[str]:
            """Apply, in order, those not applied before; the outcome of each."""
            fresh = await claim(session, consumer, [e for e in envelopes if e.type in known])
            outcomes, run = [], []
            for envelope in envelopes:
                if envelope.type not in known:
                    outcomes.append("ignored")
                    continue
                event_id = str(envelope.event_id)
                if event_id not in fresh:  # applied before, or earlier in this batch
                    outcomes.append("duplicate")
                    continue
                fresh.discard(event_id)
                outcomes.append("applied")
                if run and (run[0].type != envelope.type or envelope.type not in self.batch_handlers):
                    await run_handler(session, run)
                    run = []
                run.append(envelope)
            if run:
                await run_handler(session, run)
            return outcomes

        def count(envelopes: list[Envelope], outcomes: list[str]) -> None:
            for (event_type, outcome), n in Counter(
                    zip((e.type for e in envelopes), outcomes, strict=True)).items():
                EVENTS_CONSUMED.labels(consumer, event_type, outcome).inc(n)

        async def run_one(body: bytes) -> None:
            try:
                await run_batch([body])
            except Unauthorised:
                # Counted here, once per delivery: a batch it spoiled is run again one message at a time.
                EVENTS_CONSUMED.labels(consumer, _type_of(body), "unauthorised").inc()
                raise

        async def run_batch(bodies: list[bytes]) -> None:
            envelopes = [parse(body) for body in bodies]  # a poison message sends the batch to run_one
            if tracer is None:
                async with db.transaction() as session:
                    outcomes = await apply(session, envelopes)
            else:
                for body, envelope in zip(bodies, envelopes, strict=True):
                    context = tracing.context_from(getattr(body, "headers", None)) \
                        or tracing.context_from({tracing.TRACEPARENT: envelope.traceparent})
                    if context is not None:
                        traces[str(envelope.event_id)] = context
                try:
                    # The lot's transaction (inbox claim, commit) in a span of its own: of the one event's trace
                    # when it is one event, otherwise linked to each event's.
                    with _span(tracer, "receive", consumer, envelopes, traces):
                        async with db.transaction() as session:
                            outcomes = await apply(session, envelopes)
                finally:
                    for envelope in envelopes:
                        traces.pop(str(envelope.event_id), None)
            count(envelopes, outcomes)

        return Batcher(run_batch, run_one, max_size=batch_size)


def _type_of(body: bytes) -> str:
    """The type of a message already read once as an envelope."""
    return Envelope.from_bytes(body).type


@contextlib.contextmanager
def _span(tracer: Tracer | None, operation: str, consumer: str, envelopes: list[Envelope],
          traces: dict[str, Context]) -> Iterator[None]:
    """A CONSUMER span for applying ``envelopes``: a child of the first one's published context, linked to the
    others'. Nothing without a tracer."""
    if tracer is None:
        yield
        return
    contexts = [traces.get(str(e.event_id)) for e in envelopes]
    # Of the one event's trace; several: of the first's (a run a batch handler applies) or, for a whole lot, none.
    parent = contexts[0] if len(envelopes) == 1 or operation == "process" else None
    links = [Link(trace.get_current_span(c).get_span_context()) for c in contexts if c is not None and c is not parent]
    types = sorted({e.type for e in envelopes})
    name = f"{operation} {types[0]}" if len(types) == 1 else f"{operation} {len(envelopes)} events"
    attributes = {"messaging.system": "rabbitmq", "messaging.operation.type": operation,
                  "messaging.consumer.group.name": consumer, "messaging.batch.message_count": len(envelopes),
                  "sendpb.service": consumer}
    if len(envelopes) == 1:
        attributes["messaging.message.id"] = str(envelopes[0].event_id)
    with tracer.start_as_current_span(name, context=parent, kind=SpanKind.CONSUMER, links=links,
                                      attributes=attributes):
        yield
