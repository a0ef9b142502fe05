"""Group commit for consumers: deliveries that arrive while a batch is being applied are applied together next, in one
transaction. Each caller of ``submit`` gets the outcome of its own message: if anything in a batch fails, every message
of it is run again on its own, so a failing message is retried or dead-lettered alone and the others still apply
(once: the inbox drops what already landed)."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


class Batcher:
    def __init__(self, run_batch: Callable[[list[bytes]], Awaitable[None]],
                 run_one: Callable[[bytes], Awaitable[None]], *, max_size: int = 64,
                 max_wait: float = 0.002) -> None:
        self.run_batch, self.run_one = run_batch, run_one
        self.max_size, self.max_wait = max_size, max_wait
        self._pending: list[tuple[bytes, asyncio.Future]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._running: asyncio.Task | None = None

    async def submit(self, body: bytes) -> None:
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
        if len(batch) > 1:
            try:
                await self.run_batch([body for body, _ in batch])
            except Exception:  # noqa: BLE001 - fall back to one transaction per message
                pass
            else:
                for _, future in batch:
                    _settle(future, None)
                return
        for body, future in batch:
            try:
                await self.run_one(body)
            except Exception as exc:  # noqa: BLE001 - handed to the message's own caller
                _settle(future, exc)
            else:
                _settle(future, None)


def _settle(future: asyncio.Future, error: Exception | None) -> None:
    if future.done():  # its caller went away (e.g. the consumer is stopping); the broker will redeliver
        return
    if error is None:
        future.set_result(None)
    else:
        future.set_exception(error)
