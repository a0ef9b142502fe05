"""RabbitMQ bus (aio-pika): topic exchange ``sendpb.events``, one durable queue per consumer with its own
dead-letter queue, publisher confirms, prefetch, acknowledgement only after the handler's transaction committed,
retries counted in a header, and a robust connection that reconnects and restores its consumers."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

import aio_pika
from aio_pika import DeliveryMode, ExchangeType, Message
from aio_pika.abc import AbstractIncomingMessage, AbstractRobustConnection

from kit.bus.base import Bus, DeadLetter, Handler, Outgoing, PoisonMessage, patiently
from kit.bus.faults import KillSwitch
from kit.events import EXCHANGE

log = logging.getLogger("sendpb.bus")
DLX = "sendpb.dlx"


def queue_name(consumer: str) -> str:
    return f"sendpb.{consumer}"


def dlq_name(consumer: str) -> str:
    return f"sendpb.{consumer}.dlq"


class RabbitBus(Bus):
    def __init__(self, url: str, *, prefetch: int = 64, max_attempts: int = 5, retry_delay: float = 0.05,
                 transient_patience: float = 300.0, kill_before_ack: int | None = None) -> None:
        self.url, self.prefetch, self.max_attempts, self.retry_delay = url, prefetch, max_attempts, retry_delay
        # How long a message waits for its database to come back (kit.outages.transient) before that counts.
        self.transient_patience = transient_patience
        # Fault injection (dev mode only, SENDPB_FAULT_KILL_BEFORE_ACK): die after the n-th message a handler
        # completed (its transaction committed) and before that message is acknowledged.
        self._kill_before_ack = KillSwitch(kill_before_ack, "after a commit, before its ack") \
            if kill_before_ack else None
        self._conn: AbstractRobustConnection | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        async with self._lock:
            if self._conn is not None:
                return
            self._conn = await aio_pika.connect_robust(self.url, client_properties={"connection_name": "sendpb"})
            self._pub = await self._conn.channel(publisher_confirms=True)
            self._exchange = await self._pub.declare_exchange(EXCHANGE, ExchangeType.TOPIC, durable=True)
            self._dlx = await self._pub.declare_exchange(DLX, ExchangeType.DIRECT, durable=True)

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def ping(self) -> None:
        if self._conn is None or self._conn.is_closed:
            raise ConnectionError("not connected to RabbitMQ")

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        await self.start()
        await asyncio.gather(*(
            self._exchange.publish(
                Message(m.body, content_type="application/json", delivery_mode=DeliveryMode.PERSISTENT,
                        message_id=m.message_id, type=m.routing_key),
                routing_key=m.routing_key, mandatory=False,
            )
            for m in messages
        ))

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

        async def on_message(message: AbstractIncomingMessage) -> None:
            await self._handle(consumer, handler, message)

        await queue.consume(on_message)

    async def _handle(self, consumer: str, handler: Handler, message: AbstractIncomingMessage) -> None:
        attempts = int((message.headers or {}).get("x-attempts", 1))
        routing_key = str((message.headers or {}).get("x-original-routing-key") or message.routing_key)
        try:
            await patiently(handler, message.body, first_delay=self.retry_delay, patience=self.transient_patience,
                            where=f"{routing_key} for {consumer}")
        except PoisonMessage as exc:
            await self._dead_letter(consumer, message, routing_key, attempts, self.describe(exc))
        except Exception as exc:  # noqa: BLE001 - retried, then dead-lettered with its reason
            if attempts < self.max_attempts:
                log.warning("retrying %s for %s (attempt %d): %s", routing_key, consumer, attempts + 1, exc)
                await asyncio.sleep(self.retry_delay * attempts)
                await self._pub.default_exchange.publish(
                    self._copy(message, routing_key, {"x-attempts": attempts + 1}),
                    routing_key=queue_name(consumer), mandatory=False,
                )
            else:
                await self._dead_letter(consumer, message, routing_key, attempts, self.describe(exc))
        else:
            if self._kill_before_ack is not None:
                self._kill_before_ack.trip()
        # The copy (retry or dead letter) is confirmed before the original is acknowledged: nothing is lost.
        await message.ack()

    @staticmethod
    def _copy(message: AbstractIncomingMessage, routing_key: str, headers: dict) -> Message:
        return Message(
            message.body, content_type="application/json", delivery_mode=DeliveryMode.PERSISTENT,
            message_id=message.message_id, type=routing_key,
            headers={**(message.headers or {}), "x-original-routing-key": routing_key, **headers},
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
            await self._pub.default_exchange.publish(
                Message(dl.body, content_type="application/json", delivery_mode=DeliveryMode.PERSISTENT,
                        type=dl.routing_key, headers={"x-original-routing-key": dl.routing_key, "x-attempts": 1}),
                routing_key=queue_name(consumer), mandatory=False,
            )

        return await self._drain_dlq(consumer, limit, requeue)
