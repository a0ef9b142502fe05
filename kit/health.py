"""Readiness probes, shared by every service and the gateway. Light on imports: the gateway loads it without a
database or a broker library."""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

READINESS_TIMEOUT_SECONDS = 2.0  # within the probes' own timeouts: an answer naming what hangs, not a probe timeout


async def check(probe: Callable[[], Awaitable[None]]) -> str:
    """``ok``, or ``unavailable: <why>`` when the probe raises or takes longer than the readiness bound."""
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            await probe()
        return "ok"
    except TimeoutError:
        return f"unavailable: no answer within {READINESS_TIMEOUT_SECONDS:g}s"
    except Exception as exc:  # noqa: BLE001 - readiness reports, it does not raise
        return f"unavailable: {type(exc).__name__}"
