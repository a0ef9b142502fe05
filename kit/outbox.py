"""Transactional outbox: events are rows written in the state change's transaction; a relay publishes them after
commit and marks them sent only once the broker has taken them (``Bus.publish`` returned). A relay that dies in
between publishes again on restart, and the consumers' inbox drops the duplicate."""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence

from opentelemetry.trace import SpanKind, Status, StatusCode
from sqlalchemy import BigInteger, bindparam, func, insert, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from kit import tracing
from kit.bus import Bus, Outgoing
from kit.db import Database, DatabaseBusy
from kit.events import EXCHANGE, Envelope, utcnow
from kit.metrics import EVENTS_PUBLISHED, OUTBOX_PENDING
from kit.tables import outbox

log = logging.getLogger("sendpb.outbox")


_ADD = insert(outbox)
# Rows marked sent. PostgreSQL: their ids as one array, so the statement is the same for every size of batch and a
# connection prepares it once; elsewhere an expanding IN.
_MARK = {postgres: update(outbox).where(outbox.c.id == func.any(bindparam("ids", type_=ARRAY(BigInteger))) if postgres
                                        else outbox.c.id.in_(bindparam("ids", expanding=True)))
         .values(published_at=bindparam("now")) for postgres in (True, False)}


async def add_events(session: AsyncSession, envelopes: Sequence[Envelope]) -> None:
    """Record events to publish once (and only if) the session's transaction commits."""
    if not envelopes:
        return
    now = utcnow()
    await (await session.connection()).execute(_ADD, [
        {"event_id": str(e.event_id), "type": e.type, "body": e.to_bytes(), "created_at": now} for e in envelopes
    ])


async def add_event(session: AsyncSession, envelope: Envelope) -> None:
    await add_events(session, [envelope])


class OutboxRelay:
    def __init__(self, db: Database, bus: Bus, *, service: str, batch_size: int = 500,
                 poll_seconds: float = 1.0, overlap: int = 2) -> None:
        self.db, self.bus, self.service = db, bus, service
        self.batch_size, self.poll_seconds = batch_size, poll_seconds
        # Passes in flight at once while a backlog drains. Only PostgreSQL's SKIP LOCKED keeps the rows of
        # overlapping passes apart; SQLite relays one pass at a time.
        self.overlap = overlap if db.dialect == "postgresql" else 1
        self.coalesce_seconds = 0.002
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False
        # Fault injection for tests: runs after the broker confirmed and before the rows are marked sent.
        self.after_publish: Callable[[], Awaitable[None]] | None = None
        self._tracer = tracing.tracer(f"sendpb.{service}")  # None unless tracing is on

    async def _publish_traced(self, rows) -> None:
        """Publish with a PRODUCER span per event, a child of the work that wrote it (the envelope's
        ``traceparent``), whose context goes on the message as its ``traceparent`` header."""
        spans, outgoing = [], []
        for r in rows:
            try:
                parent = tracing.context_from(json.loads(r.body))
            except ValueError:
                parent = None
            span = self._tracer.start_span(f"publish {r.type}", context=parent, kind=SpanKind.PRODUCER, attributes={
                "messaging.system": "rabbitmq", "messaging.operation.type": "send",
                "messaging.destination.name": EXCHANGE, "messaging.rabbitmq.destination.routing_key": r.type,
                "messaging.message.id": r.event_id, "sendpb.service": self.service})
            spans.append(span)
            outgoing.append(Outgoing(r.type, r.body, r.event_id, tracing.headers_for(span)))
        try:
            await self.bus.publish(outgoing)
        except BaseException as exc:
            for span in spans:
                span.record_exception(exc)
                span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
            raise
        finally:
            for span in spans:
                span.end()

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"outbox-relay:{self.service}")

    async def stop(self, grace: float = 5.0) -> None:
        """Stop, letting a pass that is publishing finish and mark its rows first (up to ``grace`` seconds): a
        shutdown (a deploy) then does not publish those events a second time."""
        if self._task is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(self._task), grace)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        self._task, self._stopping = None, False

    async def _run(self) -> None:
        backoff = self.poll_seconds
        while not self._stopping:
            try:
                await self._drain()
                backoff = self.poll_seconds
            except asyncio.CancelledError:
                raise
            except DatabaseBusy as exc:  # the pool is at capacity: an expected state under load, not a fault
                log.warning("outbox relay for %s waits: %s", self.service, exc)
                backoff = min(backoff * 2, 30.0)
            except Exception:  # noqa: BLE001 - the broker or database is down: keep the rows, try again later
                log.exception("outbox relay for %s failed; will retry", self.service)
                backoff = min(backoff * 2, 30.0)
            if self._stopping:
                return
            try:
                async with asyncio.timeout(backoff):
                    await self._wake.wait()
                # Let a burst of commits land so that one relay transaction publishes them together.
                await asyncio.sleep(self.coalesce_seconds)
            except TimeoutError:
                pass
            if not self._stopping:
                self._wake.clear()

    async def _drain(self) -> None:
        """Relay until a pass finds less than a full batch. Up to ``overlap`` passes are in flight: the next takes
        its rows (passing over those the one before holds) and sends them while the one before waits for the
        broker's commit; the bus commits them in the order they were handed over (``Bus.publish``), so events still
        go out oldest first. Each pass keeps its own guarantee: its rows are marked sent in its transaction, after
        the broker took them."""
        passes: set[asyncio.Task] = set()
        try:
            while not self._stopping:
                while len(passes) >= self.overlap:
                    done, passes = await asyncio.wait(passes, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        task.result()  # a failed pass stops the drain (the rows stay for the next try)
                taken = asyncio.get_running_loop().create_future()
                task = asyncio.create_task(self.relay_once(taken))
                passes.add(task)
                await asyncio.wait((taken, task), return_when=asyncio.FIRST_COMPLETED)
                if not taken.done() or taken.result() < self.batch_size:
                    break
        except asyncio.CancelledError:  # stopped past its grace: nothing in flight is waited for
            for task in passes:
                task.cancel()
            raise
        finally:
            results = await asyncio.gather(*passes, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def relay_once(self, taken: asyncio.Future | None = None) -> int:
        """Publish one batch of unsent rows, oldest first; returns how many were published. ``taken`` learns how
        many rows the pass took as soon as it has them, before it publishes them."""
        try:
            return await self._pass(taken)
        finally:
            if taken is not None and not taken.done():
                taken.set_result(0)

    async def _pass(self, taken: asyncio.Future | None) -> int:
        async with self.db.transaction(notify=False) as session:
            query = (select(outbox.c.id, outbox.c.event_id, outbox.c.type, outbox.c.body)
                     .where(outbox.c.published_at.is_(None)).order_by(outbox.c.id).limit(self.batch_size))
            if self.db.dialect == "postgresql":
                # Several replicas (and overlapping passes) may relay at once; each takes rows no other is holding.
                query = query.with_for_update(skip_locked=True)
            rows = (await session.execute(query)).all()
            if taken is not None:
                taken.set_result(len(rows))
            if not rows:
                return 0
            # Nothing is awaited between handing the rows over and the bus taking its turn to commit them.
            if self._tracer is None:
                await self.bus.publish([Outgoing(r.type, r.body, r.event_id) for r in rows])
            else:
                await self._publish_traced(rows)
            if self.after_publish is not None:
                await self.after_publish()
            ids = [r.id for r in rows]
            await session.execute(_MARK[self.db.dialect == "postgresql"], {"ids": ids, "now": utcnow()})
        EVENTS_PUBLISHED.labels(self.service).inc(len(rows))
        return len(rows)

    async def pending(self) -> int:
        async with self.db.transaction(notify=False) as session:
            n = (await session.execute(select(func.count()).select_from(outbox)
                                       .where(outbox.c.published_at.is_(None)))).scalar_one()
        OUTBOX_PENDING.labels(self.service).set(n)
        return n
