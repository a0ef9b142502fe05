"""Outages of what a step needs (its database restarting, refusing connections or cutting them), told apart from
failures of the step itself, and waited out: consumers (kit.bus) and long-running work (a payment run) both use it."""
from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from typing import TypeVar

from kit.errors import causes

log = logging.getLogger("sendpb.outages")

T = TypeVar("T")

# SQLSTATE classes of a database that is away rather than refusing the work: connection exception, insufficient
# resources (too many connections), operator intervention (shutting down, starting up, connection terminated).
_AWAY_SQLSTATE_CLASSES = ("08", "53", "57")
# asyncpg's words for a connection whose protocol is stuck in an operation the server never finished: the server
# terminated it mid-statement (found by the PostgreSQL-restart fault loop, during a payment run's COPY). A fresh
# connection is what helps.
_STUCK = re.compile(r"another operation (\(\d+\) )?is in progress")


def transient(exc: BaseException) -> bool:
    """Whether a step failed because what it needs is away for now rather than because of the step."""
    for current in causes(exc):
        if isinstance(current, ConnectionError | TimeoutError) or getattr(current, "connection_invalidated", False):
            return True
        state = str(getattr(current, "sqlstate", None) or "")
        if state[:2] in _AWAY_SQLSTATE_CLASSES or (
                state == "55000" and "not currently accepting connections" in str(current)):
            return True
        if type(current).__module__.startswith("asyncpg") and _STUCK.search(str(current)):
            return True
    return False


async def wait_out(step: Callable[[], Awaitable[T]], *, first_delay: float, patience: float, where: str,
                   retry_if: Callable[[BaseException], bool] = transient) -> T:
    """Run the step; while it fails for a reason ``retry_if`` accepts, wait (doubling the wait up to 5 s) and run it
    again, for up to ``patience`` seconds. Any other failure, or one outlasting the patience, is raised."""
    delay, waited = first_delay, 0.0
    while True:
        try:
            return await step()
        except Exception as exc:
            if not retry_if(exc) or waited >= patience:
                raise
            log.warning("%s: waiting %.2fs for what it needs to come back: %s", where, delay, exc)
            await asyncio.sleep(delay)
            waited, delay = waited + delay, min(delay * 2, 5.0)
