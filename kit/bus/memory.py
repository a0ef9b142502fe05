"""An in-memory broker for the embedded mode: topic routing, a queue per consumer, JSON bytes only,
redelivery on failure and a dead-letter list. It behaves like the RabbitMQ bus but lives in one process: everything
published on it is published as one broker user (``user``, RabbitMQ's default ``guest``), and like RabbitMQ's
validated user-id a message claiming another user is refused, while the ``user_id`` of one that sets it reaches the
consumer with the body."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kit.bus.base import Bus, DeadLetter, Handler, Outgoing, PoisonMessage, delivered, patiently, topic_matches

log = logging.getLogger("sendpb.bus")


@dataclass
class _Delivery:
    routing_key: str
    body: bytes
    attempts: int


class _Queue:
    def __init__(self, consumer: str, keys: Sequence[str], handler: Handler) -> None:
        self.consumer, self.keys, self.handler = consumer, tuple(keys), handler
        self.items: asyncio.Queue[_Delivery] = asyncio.Queue()
        self.workers: list[asyncio.Task] = []


class MemoryBus(Bus):
    def __init__(self, *, max_attempts: int = 5, workers_per_consumer: int = 4, retry_delay: float = 0.01,
                 transient_patience: float = 300.0, user: str = "guest") -> None:
        self.max_attempts = max_attempts
        self.user = user  # the broker user every publisher of this process is connected as
        self.transient_patience = transient_patience
        self._workers = workers_per_consumer
        self._retry_delay = retry_delay
        self._queues: dict[str, _Queue] = {}
        self._dead: dict[str, list[DeadLetter]] = {}
        self.published = 0

    async def start(self) -> None:
        return None

    async def stop_consuming(self) -> None:
        """Nothing to hand back: this broker's queues live and die with the process (close cancels its workers)."""

    async def close(self) -> None:
        for q in self._queues.values():
            for w in q.workers:
                w.cancel()
        for q in self._queues.values():
            await asyncio.gather(*q.workers, return_exceptions=True)
        self._queues.clear()

    async def ping(self) -> None:
        return None

    async def publish(self, messages: Sequence[Outgoing]) -> None:
        if forged := [m.user_id for m in messages if m.user_id is not None and m.user_id != self.user]:
            # What RabbitMQ does (channel closed, PRECONDITION_FAILED): nothing of the publish goes out.
            raise PermissionError(f"user_id property set to {forged[0]!r} but authenticated user was {self.user!r}")
        for m in messages:
            # headers and the validated user_id travel with the body, like AMQP's
            body = delivered(bytes(m.body), dict(m.headers) if m.headers else None, m.user_id)
            for q in self._queues.values():
                if any(topic_matches(k, m.routing_key) for k in q.keys):
                    q.items.put_nowait(_Delivery(m.routing_key, body, 1))
            self.published += 1

    async def subscribe(self, consumer: str, routing_keys: Sequence[str], handler: Handler) -> None:
        if consumer in self._queues:
            raise ValueError(f"consumer {consumer!r} is already subscribed")
        q = _Queue(consumer, routing_keys, handler)
        self._queues[consumer] = q
        q.workers = [asyncio.create_task(self._work(q), name=f"bus:{consumer}:{i}") for i in range(self._workers)]

    async def _work(self, q: _Queue) -> None:
        while True:
            d = await q.items.get()
            try:
                await patiently(q.handler, d.body, first_delay=self._retry_delay, patience=self.transient_patience,
                                where=f"{d.routing_key} for {q.consumer}")
            except PoisonMessage as exc:
                self._dead_letter(q.consumer, d, self.describe(exc))
            except Exception as exc:  # noqa: BLE001 - any handler failure is retried, then dead-lettered
                if d.attempts < self.max_attempts:
                    log.warning("redelivering %s to %s (attempt %d): %s", d.routing_key, q.consumer,
                                d.attempts + 1, exc)
                    await asyncio.sleep(self._retry_delay * d.attempts)
                    q.items.put_nowait(_Delivery(d.routing_key, d.body, d.attempts + 1))
                else:
                    self._dead_letter(q.consumer, d, self.describe(exc))
            finally:
                q.items.task_done()

    def _dead_letter(self, consumer: str, d: _Delivery, reason: str) -> None:
        log.error("dead-lettered %s for %s after %d attempt(s): %s", d.routing_key, consumer, d.attempts, reason)
        self._dead.setdefault(consumer, []).append(DeadLetter(consumer, d.routing_key, d.body, reason, d.attempts))

    async def take_dead_letters(self, consumer: str, limit: int = 1000,
                                on_letter: Callable[[DeadLetter], None] | None = None) -> list[DeadLetter]:
        letters = self._dead.get(consumer, [])
        taken = []
        while letters and len(taken) < limit:
            if on_letter is not None:
                on_letter(letters[0])
            taken.append(letters.pop(0))
        return taken

    async def replay_dead_letters(self, consumer: str, limit: int = 1000) -> int:
        letters = await self.take_dead_letters(consumer, limit)
        for dl in letters:
            self._queues[consumer].items.put_nowait(_Delivery(dl.routing_key, dl.body, 1))
        return len(letters)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queue is empty and idle (tests and the embedded demo use this)."""
        async def _all() -> None:
            while any(not q.items.empty() or q.items._unfinished_tasks for q in self._queues.values()):
                await asyncio.gather(*(q.items.join() for q in self._queues.values()))
        await asyncio.wait_for(_all(), timeout)
