"""Token buckets: per client for API calls, per client id and per source address for failed token requests.

Held in Redis when the gateway has one (``SENDPB_GATEWAY_REDIS_URL``), so every replica draws on the same buckets;
otherwise each replica holds its own and enforces its share (``SENDPB_GATEWAY_REPLICAS``) of the limit. A bucket of
``burst`` tokens refilling at ``rate`` per second is kept in Redis as GCRA's one number per key (the time the bucket
will be full again), changed by one script call, so there is no read-then-write race between replicas."""
from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("sendpb.gateway")


class Buckets(Protocol):
    async def take(self, key: str) -> tuple[bool, float]:
        """Take a token: whether one was there, and if not how many seconds until one is."""

    async def give_back(self, key: str) -> None:
        """Return a token taken for an attempt that should not count (a token request that succeeded)."""


class RateLimiter:
    """Buckets in this process, on ``clock``'s time (monotonic seconds; the tests give their own)."""

    PRUNE_AT = 10_000  # keys of failed token requests are the caller's choice: drop full buckets past this many

    def __init__(self, rate_per_second: float, burst: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate_per_second, burst, clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str, now: float | None = None) -> tuple[bool, float]:
        """Whether one more request may pass, and if not how many seconds until it may."""
        now = self.clock() if now is None else now
        tokens, last = self._buckets.get(client, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            if len(self._buckets) >= self.PRUNE_AT and client not in self._buckets:
                self._prune(now)
            self._buckets[client] = (tokens - 1, now)
            return True, 0.0
        self._buckets[client] = (tokens, now)
        return False, (1 - tokens) / self.rate

    async def take(self, key: str) -> tuple[bool, float]:
        return self.allow(key)

    async def give_back(self, key: str) -> None:
        if key in self._buckets:
            tokens, last = self._buckets[key]
            self._buckets[key] = (min(self.burst, tokens + 1), last)

    def _prune(self, now: float) -> None:
        self._buckets = {k: (t, last) for k, (t, last) in self._buckets.items()
                         if t + (now - last) * self.rate < self.burst}


# KEYS[1]: the bucket. ARGV: seconds per token, burst, +1 to take a token or -1 to give one back.
# Stores the theoretical arrival time (TAT) in Redis's own clock, so replicas' clocks need not agree.
_GCRA = """
local now = redis.call('TIME')
now = tonumber(now[1]) + tonumber(now[2]) / 1000000
local interval, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1])) or now
if tat < now then tat = now end
local new_tat = tat + interval * cost
if cost > 0 and new_tat - now > interval * burst then
  return {0, tostring(new_tat - now - interval * burst)}
end
if new_tat <= now then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil((new_tat - now) * 1000))
end
return {1, '0'}
"""


class RedisBuckets:
    """Buckets shared by every replica through Redis. While Redis does not answer, the replica falls back on its
    own share of the limit for ``retry_after`` seconds, then tries Redis again: the front door stays open."""

    def __init__(self, redis: Any, rate_per_second: float, burst: int, *, prefix: str, fallback: RateLimiter,
                 retry_after: float = 5.0) -> None:
        self.redis, self.prefix, self.fallback = redis, prefix, fallback
        self.interval, self.burst = 1.0 / rate_per_second, burst
        self.retry_after = retry_after
        self._script = redis.register_script(_GCRA)
        self._down_until = 0.0

    async def take(self, key: str) -> tuple[bool, float]:
        result = await self._call(key, 1)
        if result is None:
            return self.fallback.allow(key)
        allowed, wait = result
        return bool(int(allowed)), float(wait)

    async def give_back(self, key: str) -> None:
        if await self._call(key, -1) is None:
            await self.fallback.give_back(key)

    async def _call(self, key: str, cost: int):
        if time.monotonic() < self._down_until:
            return None
        try:
            return await self._script(keys=[self.prefix + key], args=[repr(self.interval), self.burst, cost])
        except Exception as exc:  # noqa: BLE001 - any Redis failure: this replica's share until it is back
            self._down_until = time.monotonic() + self.retry_after
            log.warning("rate limits held per replica for %gs: Redis failed: %s: %s", self.retry_after,
                        type(exc).__name__, exc)
            return None


def share(rate_per_second: float, burst: int, replicas: int, *,
          clock: Callable[[], float] = time.monotonic) -> RateLimiter:
    """One replica's part of a limit that ``replicas`` replicas enforce without a shared store."""
    return RateLimiter(rate_per_second / replicas, max(1, math.ceil(burst / replicas)), clock=clock)


def buckets(rate_per_second: float, burst: int, *, replicas: int, redis: Any | None, prefix: str,
            clock: Callable[[], float] = time.monotonic) -> Buckets:
    local = share(rate_per_second, burst, replicas, clock=clock)
    if redis is None:
        return local
    return RedisBuckets(redis, rate_per_second, burst, prefix=prefix, fallback=local)
