"""Per-key rate limits for one process: GCRA, O(1) time and one float of state per key.

The generic cell rate algorithm (the leaky bucket as a meter) lets a key spend its whole
budget at once and then refills it smoothly, one request every window/N seconds. It
needs no timers, tasks or threads: on a one-core server handling thousands of WebSocket
frames a second, a limiter that sweeps its keys or keeps one entry per allowed request
(the `limits` library's in-memory moving window does both) costs more than the frames
themselves. Several processes share limits through `RedisRateLimiter` instead.
"""

import math
import time
from collections.abc import Callable

from hubbub.kernel.errors import RateLimited

MINUTE = 60.0
DAY = 86_400.0


def describe_budget(limit: int, window_seconds: float) -> str:
    """ "100 per minute", "500 per day": the budget as people say it."""
    names = {MINUTE: "minute", 3600.0: "hour", DAY: "day"}
    per = names.get(window_seconds, f"{window_seconds:g} seconds")
    return f"{limit} per {per}"


class InMemoryRateLimiter:
    """Counts hits per key against a budget of `limit` per `window_seconds` (a minute by
    default); `hit` raises RateLimited when it is spent."""

    def __init__(
        self,
        *,
        limit: int,
        window_seconds: float = MINUTE,
        clock: Callable[[], float] = time.monotonic,
        purge_every: int = 10_000,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        if window_seconds <= 0:
            raise ValueError("window_seconds must be positive")
        self.limit = limit
        self.window_seconds = window_seconds
        self._interval = window_seconds / limit
        self._clock = clock
        self._arrival: dict[str, float] = {}  # key -> theoretical arrival time
        self._purge_every = purge_every
        self._hits = 0

    async def hit(self, key: str) -> None:
        """Count one request for `key`, or raise RateLimited (with a Retry-After)."""
        now = self._clock()
        due = max(self._arrival.get(key, now), now) + self._interval
        if due - now > self.window_seconds:
            retry_after = max(1, math.ceil(due - now - self.window_seconds))
            budget = describe_budget(self.limit, self.window_seconds)
            raise RateLimited(
                f"rate limit of {budget} reached; retry in {retry_after}s",
                retry_after=retry_after,
            )
        self._arrival[key] = due
        self._hits += 1
        if self._hits % self._purge_every == 0:
            self._purge(now)

    async def aclose(self) -> None:
        """Nothing to release: the state is this object."""

    def _purge(self, now: float) -> None:
        """Forget keys whose budget is full again (their state equals a fresh key's)."""
        for key in [k for k, due in self._arrival.items() if due <= now]:
            del self._arrival[key]
