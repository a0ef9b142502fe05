"""Group commit for consumers: messages are applied many at a time, in one transaction per batch. If anything in a
batch fails, every message of it is run again on its own, so a failing message is retried or dead-lettered alone and
the others still apply (once: the inbox drops what already landed).

Two ways in: a bus that delivers many messages at once (RabbitMQ) hands them to ``many`` and gets each message's
outcome back; a bus that delivers one message per call (the in-memory bus's workers) calls the batcher itself, and
deliveries that arrive while a batch is being applied are applied together next."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from kit.bus.base import Outcome


class Batcher:
    def __init__(self, run_batch: Callable[[list[bytes]], Awaitable[None]],
                 run_one: Callable[[bytes], Awaitable[None]], *, max_size: int = 64,
                 max_wait: float = 0.002) -> None:
        self.run_batch, self.run_one = run_batch, run_one
        self.max_size, self.max_wait = max_size, max_wait
        self._pending: list[tuple[bytes, asyncio.Future]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: asyncio.Task | None = None

    async def many(self, bodies: Sequence[bytes]) -> list[Outcome]:
        """Apply the messages in order, ``max_size`` to a transaction; the outcome of each."""
        outcomes: list[Outcome] = []
        for k in range(0, len(bodies), self.max_size):
            outcomes += await self._outcomes(bodies[k:k + self.max_size])
        return outcomes

    async def __call__(self, body: bytes) -> None:
        future = asyncio.get_running_loop().create_future()
        self._pending.append((body, future))
        if self._running is None:
            if len(self._pending) >= self.max_size:
                self._start()
            elif self._timer is None:
                # wait a moment for the rest of a burst rather than commit one message at a time
                self._timer = asyncio.get_running_loop().call_later(self.max_wait, self._start)
        await future

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._running is not None or not self._pending:
            return
        batch, self._pending = self._pending[:self.max_size], self._pending[self.max_size:]
        self._running = asyncio.create_task(self._run(batch))

    async def _run(self, batch: list[tuple[bytes, asyncio.Future]]) -> None:
        try:
            await self._apply(batch)
        finally:
            self._running = None
            if self._pending:  # what queued up meanwhile goes next, at once
                self._start()

    async def _apply(self, batch: list[tuple[bytes, asyncio.Future]]) -> None:
        outcomes = await self._outcomes([body for body, _ in batch])
        for (_, future), outcome in zip(batch, outcomes, strict=True):
            _settle(future, outcome)

    async def _outcomes(self, bodies: Sequence[bytes]) -> list[Outcome]:
        if len(bodies) > 1:
            try:
                await self.run_batch(list(bodies))
            except Exception:  # noqa: BLE001 - fall back to one transaction per message
                pass
            else:
                return [None] * len(bodies)
        outcomes: list[Outcome] = []
        for body in bodies:
            try:
                await self.run_one(body)
            except Exception as exc:  # noqa: BLE001 - handed back as that message's outcome
                outcomes.append(exc)
            else:
                outcomes.append(None)
        return outcomes


def _settle(future: asyncio.Future, error: Outcome) -> None:
    if future.done():  # its caller went away (e.g. the consumer is stopping); the broker will redeliver
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
