"""Scheduled work inside a service process: a job runs every ``every_seconds`` (its first run one period after
start, or at start with ``at_start``), each run in its own transactions, and a failure is logged and retried at the
next period. Jobs must be safe to run in several replicas at once (lock what they take with ``SKIP LOCKED``) and to
run again (idempotent)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from kit.db import Database

log = logging.getLogger("sendpb.jobs")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Database, Any], Awaitable[int]]  # returns how many things it did
    every_seconds: float = 60.0
    at_start: bool = False  # also run as the service starts (work a stopped process left, picked up at once)


class JobRunner:
    def __init__(self, jobs: tuple[Job, ...], db: Database, settings: Any, *, service: str) -> None:
        self.jobs, self.db, self.settings, self.service = jobs, db, settings, service
        self._tasks: list[asyncio.Task] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(job), name=f"{self.service}:{job.name}") for job in self.jobs]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []

    async def run_once(self, name: str) -> int:
        job = next((j for j in self.jobs if j.name == name), None)
        if job is None:
            raise KeyError(f"{self.service} has no job {name!r}; it has {[j.name for j in self.jobs]}")
        return await job.run(self.db, self.settings)

    async def _loop(self, job: Job) -> None:
        wait = 0.0 if job.at_start else job.every_seconds
        while True:
            await asyncio.sleep(wait)
            wait = job.every_seconds
            try:
                done = await job.run(self.db, self.settings)
            except Exception:  # noqa: BLE001 - logged; the next period tries again
                log.exception("job %s of %s failed; retrying in %ss", job.name, self.service, job.every_seconds)
            else:
                if done:
                    log.info("job %s of %s: %d done", job.name, self.service, done)
