"""RabbitMQ bus (aio-pika): topic exchange ``sendpb.events``, one durable queue per consumer with its own
dead-letter queue, publisher confirms, prefetch, acknowledgement only after the handler's transaction committed,
retries counted in a header, and a robust connection that reconnects and restores its consumers."""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

import aio_pika
from aio_pika import DeliveryMode, ExchangeType, Message
from aio_pika.abc import AbstractRobustConnection
from aiormq import spec
from aiormq.abc import DeliveredMessage

from kit.bus.base import Bus, DeadLetter, Handler, Outgoing, PoisonMessage, delivered, patiently_many
from kit.bus.faults import KillSwitch
from kit.events import EXCHANGE
from kit.tracing import TRACEPARENT

log = logging.getLogger("sendpb.bus")
DLX = "sendpb.dlx"
PERSISTENT = int(DeliveryMode.PERSISTENT)
# Who published a message, kept on the platform's own copies of it (retries, dead letters, replays): those are
# published by the platform's user, which cannot set another user's user_id property.
ORIGINAL_USER_ID = "x-original-user-id"


def queue_name(consumer: str) -> str:
    return f"sendpb.{consumer}"


def dlq_name(consumer: str) -> str:
    return f"sendpb.{consumer}.dlq"


class RabbitBus(Bus):
    def __init__(self, url: str, *, prefetch: int = 64, max_attempts: int = 5, retry_delay: float = 0.05,
                 transient_patience: float = 300.0, kill_before_ack: int | None = None,
                 publish_channels: int = 2) -> None:
        self.url, self.prefetch, self.max_attempts, self.retry_delay = url, prefetch, max_attempts, retry_delay
        # How long a message waits for its database to come back (kit.outages.transient) before that counts.
        self.transient_patience = transient_patience
        # Fault injection (dev mode only, SENDPB_FAULT_KILL_BEFORE_ACK): die after the n-th message a handler
        # completed (its transaction committed) and before that message is acknowledged.
        self._kill_before_ack = KillSwitch(kill_before_ack, "after a commit, before its ack") \
            if kill_before_ack else None
        self._conn: AbstractRobustConnection | None = None
        self._lock = asyncio.Lock()
        self._consumers: list[_Deliveries] = []
        # Transactional channels to publish on, taken in turn, and the commit of the latest publish: each publish
        # commits only after the one called before it (see ``publish``).
        self._tx_slots: asyncio.Queue[_TxChannel] = asyncio.Queue()
        for _ in range(publish_channels):
            self._tx_slots.put_nowait(_TxChannel())
        self._last_commit: asyncio.Future | None = None
        self._discarding: set[asyncio.Task] = set()

    async def start(self) -> None:
        async with self._lock:
            if self._conn is not None:
                return
            self._conn = await aio_pika.connect_robust(self.url, client_properties={"connection_name": "sendpb"})
            self._pub = await self._conn.channel(publisher_confirms=True)
            self._exchange = await self._pub.declare_exchange(EXCHANGE, ExchangeType.TOPIC, durable=True)
            self._dlx = await self._pub.declare_exchange(DLX, ExchangeType.DIRECT, durable=True)

    async def stop_consuming(self, grace: float = 5.0) -> None:
        await asyncio.gather(*(deliveries.stop(grace) for deliveries in self._consumers))

    async def close(self) -> None:
        await self.stop_consuming(grace=0)
        self._consumers.clear()
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def ping(self) -> None:
        if self._conn is None or self._conn.is_closed:
            raise ConnectionError("not connected to RabbitMQ")

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        """Publish in one AMQP transaction: RabbitMQ sends tx.commit-ok only once it has taken responsibility for
        every message of it, persisted the persistent ones and routed them (its "broker semantics"), which is what
        publisher confirms give one message at a time. The relay publishes every event of the platform, and a
        confirm per message (a task, a future and a frame each) cost more than twice the CPU of the publish itself.

        Publishes called while others are still in flight (the relay's overlapping passes) go out on channels of
        their own, so that one batch travels to the broker while the one before waits for its commit (1.6x the
        persistent messages/s of one channel, batches of 500, measured on the loaded 2-core machine); a
        transaction's messages are routed only at its commit, and each publish commits only after the one called
        before it committed, so events still reach the queues in the order they were handed over. A failure
        anywhere raises (and fails the publishes queued behind it, which would otherwise overtake it), so the relay
        keeps the rows and tries again."""
        before, mine = self._last_commit, asyncio.get_running_loop().create_future()
        self._last_commit = mine  # taken before anything is awaited: commits follow the order of the calls
        if before is not None and before.done():
            before = None  # nothing in flight: a batch that failed earlier is behind us, not ahead
        committed = False
        try:
            await self.start()
            slot = await self._tx_slots.get()
            try:
                await self._publish_on(slot, messages, before)
            finally:
                self._tx_slots.put_nowait(slot)
            committed = True
        finally:
            mine.set_result(committed)

    async def _publish_on(self, slot: _TxChannel, messages: Sequence[Outgoing],
                          before: asyncio.Future | None) -> None:
        channel = await slot.open(self._conn)
        try:
            for m in messages:
                await channel.basic_publish(
                    m.body, exchange=EXCHANGE, routing_key=m.routing_key, wait=False,
                    properties=spec.Basic.Properties(content_type="application/json", delivery_mode=PERSISTENT,
                                                     message_id=m.message_id, message_type=m.routing_key,
                                                     user_id=m.user_id,
                                                     headers=dict(m.headers) if m.headers else None))
            if before is not None and not await asyncio.shield(before):
                raise ConnectionError("the batch published before this one failed; both are kept to try again")
            await channel.tx_commit()
        except BaseException:
            # Its uncommitted messages must never go out with a later batch: the channel is closed (the broker
            # then drops them) and the slot opens a fresh one next time.
            self._discard(slot)
            raise

    def _discard(self, slot: _TxChannel) -> None:
        channel, slot.channel = slot.channel, None
        if channel is not None and not channel.is_closed:
            task = asyncio.create_task(channel.close())
            self._discarding.add(task)
            task.add_done_callback(self._discarding.discard)

    async def _declare(self, channel, consumer: str):
        dlq = await channel.declare_queue(dlq_name(consumer), durable=True)
        dlx = await channel.declare_exchange(DLX, ExchangeType.DIRECT, durable=True)
        await dlq.bind(dlx, routing_key=consumer)
        return await channel.declare_queue(
            queue_name(consumer), durable=True,
            arguments={"x-dead-letter-exchange": DLX, "x-dead-letter-routing-key": consumer},
        )

    async def subscribe(self, consumer: str, routing_keys: Sequence[str], handler: Handler) -> None:
        await self.start()
        channel = await self._conn.channel()
        await channel.set_qos(prefetch_count=self.prefetch)
        exchange = await channel.declare_exchange(EXCHANGE, ExchangeType.TOPIC, durable=True)
        queue = await self._declare(channel, consumer)
        for key in routing_keys:
            await queue.bind(exchange, routing_key=key)
        deliveries = _Deliveries(self, consumer, handler)
        self._consumers.append(deliveries)

        async def consume() -> None:
            # Straight on the AMQP channel: aio-pika's consumer would wrap each delivery in a message object and a
            # second task, a third of what a delivery costs here.
            await (await channel.get_underlay_channel()).basic_consume(queue.name, deliveries.put)

        async def consume_again(_channel) -> None:
            # After a reconnect the robust channel has declared and bound the queue again; consume from it again.
            try:
                await consume()
            except Exception:  # noqa: BLE001 - the channel went again; its next reopen calls this once more
                log.exception("could not resume consuming for %s", consumer)

        channel.reopen_callbacks.add(consume_again)
        await consume()

    async def _settle(self, consumer: str, handler: Handler, messages: list[DeliveredMessage]) -> None:
        """Apply the messages (in one go where the handler can: kit.batching), then settle each: a failure is
        copied back onto the queue with its attempt counted, or to the dead letters, and the copies are confirmed
        before anything is acknowledged, so nothing is lost. Then one ``multiple`` ack per channel covers the lot:
        the messages are settled in delivery order, so every earlier delivery on the channel is settled too."""
        # A trace context in the headers goes to the handler with the body (kit.tracing), the rest stays here.
        bodies = [delivered(m.body, _trace_headers(m), _publisher(m)) for m in messages]
        outcomes = await patiently_many(handler, bodies, first_delay=self.retry_delay,
                                        patience=self.transient_patience,
                                        where=f"{len(messages)} message(s) for {consumer}")
        retries, delay = [], 0.0
        for message, outcome in zip(messages, outcomes, strict=True):
            headers = _headers(message)
            attempts = int(headers.get("x-attempts", 1))
            routing_key = str(headers.get("x-original-routing-key") or message.routing_key)
            if outcome is None:
                if self._kill_before_ack is not None:
                    self._kill_before_ack.trip()
            elif isinstance(outcome, PoisonMessage) or attempts >= self.max_attempts:
                await self._dead_letter(consumer, message, routing_key, attempts, self.describe(outcome))
            else:
                log.warning("retrying %s for %s (attempt %d): %s", routing_key, consumer, attempts + 1, outcome)
                retries.append(self._copy(message, routing_key, {"x-attempts": attempts + 1}))
                delay = max(delay, self.retry_delay * attempts)
        if retries:
            await asyncio.sleep(delay)
            await asyncio.gather(*(self._pub.default_exchange.publish(copy, routing_key=queue_name(consumer),
                                                                      mandatory=False) for copy in retries))
        await _settle_all(messages, "acknowledge",
                          lambda last: last.channel.basic_ack(last.delivery.delivery_tag, multiple=True))

    @staticmethod
    def _copy(message: DeliveredMessage, routing_key: str, headers: dict) -> Message:
        publisher = _publisher(message)
        return Message(
            message.body, content_type="application/json", delivery_mode=DeliveryMode.PERSISTENT,
            message_id=message.header.properties.message_id, type=routing_key,
            headers={**_headers(message), "x-original-routing-key": routing_key,
                     **({ORIGINAL_USER_ID: publisher} if publisher is not None else {}), **headers},
        )

    async def _dead_letter(self, consumer, message, routing_key: str, attempts: int, reason: str) -> None:
        log.error("dead-lettered %s for %s after %d attempt(s): %s", routing_key, consumer, attempts, reason)
        await self._dlx.publish(
            self._copy(message, routing_key, {"x-attempts": attempts, "x-death-reason": reason}),
            routing_key=consumer, mandatory=False,
        )

    async def _drain_dlq(self, consumer: str, limit: int, action) -> int:
        """Hand each dead letter to ``action`` and acknowledge it only after ``action`` succeeded."""
        await self.start()
        channel = await self._conn.channel()
        try:
            await self._declare(channel, consumer)
            dlq = await channel.get_queue(dlq_name(consumer))
            done = 0
            while done < limit:
                msg = await dlq.get(no_ack=False, fail=False)
                if msg is None:
                    break
                h = dict(msg.headers or {})
                await action(DeadLetter(consumer, str(h.get("x-original-routing-key") or msg.routing_key),
                                        msg.body, str(h.get("x-death-reason", "rejected")),
                                        int(h.get("x-attempts", 1)), h))
                await msg.ack()
                done += 1
            return done
        finally:
            await channel.close()

    async def take_dead_letters(self, consumer: str, limit: int = 1000,
                                on_letter: Callable[[DeadLetter], None] | None = None) -> list[DeadLetter]:
        letters: list[DeadLetter] = []

        async def keep(dl: DeadLetter) -> None:
            if on_letter is not None:
                on_letter(dl)
            letters.append(dl)

        await self._drain_dlq(consumer, limit, keep)
        return letters

    async def replay_dead_letters(self, consumer: str, limit: int = 1000) -> int:
        async def requeue(dl: DeadLetter) -> None:
            kept = {ORIGINAL_USER_ID: dl.headers[ORIGINAL_USER_ID]} if ORIGINAL_USER_ID in dl.headers else {}
            await self._pub.default_exchange.publish(
                Message(dl.body, content_type="application/json", delivery_mode=DeliveryMode.PERSISTENT,
                        type=dl.routing_key,
                        headers={"x-original-routing-key": dl.routing_key, "x-attempts": 1, **kept}),
                routing_key=queue_name(consumer), mandatory=False,
            )

        return await self._drain_dlq(consumer, limit, requeue)


def _headers(message: DeliveredMessage) -> dict:
    return message.header.properties.headers or {}


def _publisher(message: DeliveredMessage) -> str | None:
    """Who published the message. Off the events exchange: its ``user_id`` property, which RabbitMQ validated against
    the publishing connection's user (a header saying otherwise is not believed). Off the default exchange, where
    only the platform publishes (its retry copies and replays; a publisher outside is given write permission on
    ``sendpb.events`` alone, deploy/README.md): the user the platform recorded when it made the copy."""
    if message.delivery.exchange == EXCHANGE:
        return message.header.properties.user_id
    value = _headers(message).get(ORIGINAL_USER_ID)
    return value.decode() if isinstance(value, bytes) else value


def _trace_headers(message: DeliveredMessage) -> dict | None:
    headers = message.header.properties.headers
    if not headers or TRACEPARENT not in headers:
        return None
    value = headers[TRACEPARENT]
    return {TRACEPARENT: value.decode("latin-1") if isinstance(value, bytes) else str(value)}


async def _settle_all(messages: list[DeliveredMessage], what: str,
                      settle: Callable[[DeliveredMessage], Awaitable[object]]) -> None:
    """Acknowledge (or return) messages, all earlier deliveries on their channel being settled already, with one
    ``multiple`` frame per channel. A channel's delivery tags count up from 1 and a channel reopened after a
    reconnect starts again, so the messages of one channel are a run of rising tags."""
    lasts = [m for m, after in zip(messages, messages[1:], strict=False)
             if after.delivery.delivery_tag <= m.delivery.delivery_tag]
    for last in [*lasts, messages[-1]]:
        try:
            await settle(last)
        except Exception as exc:  # noqa: BLE001 - its channel is gone: the broker redelivers, the inbox dedups
            log.warning("could not %s message(s) up to delivery %s: %s", what, last.delivery.delivery_tag, exc)


class _TxChannel:
    """A channel of the publisher in AMQP transaction mode, opened (and tx.select-ed) when first needed; a robust
    channel reopened after a reconnect is selected again."""

    def __init__(self) -> None:
        self.channel = None
        self._selected = None  # the underlying AMQP channel put in tx mode

    async def open(self, conn: AbstractRobustConnection):
        if self.channel is None or self.channel.is_closed:
            self.channel, self._selected = await conn.channel(publisher_confirms=False), None
        underlay = await self.channel.get_underlay_channel()
        if self._selected is not underlay:
            await underlay.tx_select()
            self._selected = underlay
        return underlay


class _Deliveries:
    """A consumer's deliveries, taken by one task in delivery order, as many at a time as have arrived (up to the
    prefetch): while one lot is being applied the next gathers. Per message this costs a list append, not a future,
    a wait and an ack frame of its own."""

    def __init__(self, bus: RabbitBus, consumer: str, handler: Handler, gather_seconds: float = 0.002) -> None:
        self.bus, self.consumer, self.handler, self.gather_seconds = bus, consumer, handler, gather_seconds
        self.pending: list[DeliveredMessage] = []
        self.arrived = asyncio.Event()
        self.stopping = False
        self.task = asyncio.create_task(self._run(), name=f"bus:{consumer}")

    async def put(self, message: DeliveredMessage) -> None:
        self.pending.append(message)
        self.arrived.set()

    async def _run(self) -> None:
        while not self.stopping:
            if not self.pending:
                self.arrived.clear()
                await self.arrived.wait()
                await asyncio.sleep(self.gather_seconds)  # let the rest of a burst arrive
            if self.stopping:  # what has not been taken goes back to the queue when the channel closes
                return
            messages, self.pending = self.pending, []
            try:
                await self.bus._settle(self.consumer, self.handler, messages)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - e.g. a retry copy could not be published
                log.exception("could not settle %d message(s) for %s; returning them to the queue",
                              len(messages), self.consumer)
                # Back to the queue now: a later lot's ``multiple`` ack would otherwise acknowledge them unsettled.
                await _settle_all(messages, "return", lambda last: last.channel.basic_nack(
                    last.delivery.delivery_tag, multiple=True, requeue=True))

    async def stop(self, grace: float) -> None:
        """Take nothing more; let the lot being applied finish and be acknowledged (up to ``grace`` seconds)."""
        self.stopping = True
        self.arrived.set()
        if grace > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self.task), grace)
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
