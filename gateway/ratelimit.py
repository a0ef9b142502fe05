"""Per-client token buckets (per gateway replica)."""
from __future__ import annotations

import time


class RateLimiter:
    def __init__(self, rate_per_second: float, burst: int) -> None:
        self.rate, self.burst = rate_per_second, burst
        self._buckets: dict[str, tuple[float, float]] = {}

    def allow(self, client: str, now: float | None = None) -> tuple[bool, float]:
        """Whether one more request may pass, and if not how many seconds until it may."""
        now = time.monotonic() if now is None else now
        tokens, last = self._buckets.get(client, (float(self.burst), now))
        tokens = min(self.burst, tokens + (now - last) * self.rate)
        if tokens >= 1:
            self._buckets[client] = (tokens - 1, now)
            return True, 0.0
        self._buckets[client] = (tokens, now)
        return False, (1 - tokens) / self.rate
