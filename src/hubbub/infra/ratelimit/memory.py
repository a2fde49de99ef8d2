"""Per-key rate limits for one process: GCRA, O(1) time and one float of state per key.

The generic cell rate algorithm (the leaky bucket as a meter) admits one hit every
`window / limit` seconds on average, and lets `burst` hits through back to back on top of
that pace: with 100 per minute and a burst of 20, an idle client may send 20 requests at
once, then one every 0.6 s; over any minute it gets at most `limit + burst` through, and
exactly `limit` per minute over longer spans. (With the burst equal to the limit, as this
limiter had it before, a client could spend a whole budget at once and a refilled one
within the same minute: 199 requests in 60 seconds for "100 per minute".)

It needs no timers, tasks or threads: on a one-core server handling thousands of WebSocket
frames a second, a limiter that sweeps its keys or keeps one entry per allowed request (the
`limits` library's in-memory moving window does both) costs more than the frames
themselves. Several processes share limits through `RedisRateLimiter`, the same algorithm
in Redis.
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


def refused(limit: int, window_seconds: float, wait_seconds: float) -> RateLimited:
    """The error for a hit that may be retried in `wait_seconds` (a whole second at least)."""
    retry_after = max(1, math.ceil(wait_seconds))
    budget = describe_budget(limit, window_seconds)
    return RateLimited(
        f"rate limit of {budget} reached; retry in {retry_after}s", retry_after=retry_after
    )


def check_budget(limit: int, window_seconds: float, burst: int | None) -> int:
    """The burst to use (the limit when None), after checking the three numbers."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if window_seconds <= 0:
        raise ValueError("window_seconds must be positive")
    burst = limit if burst is None else burst
    if burst < 1:
        raise ValueError("burst must be at least 1")
    return burst


class InMemoryRateLimiter:
    """Counts hits per key against `limit` per `window_seconds` (a minute by default), with
    at most `burst` (the limit unless told) back to back; `hit` raises RateLimited when the
    key is over."""

    def __init__(
        self,
        *,
        limit: int,
        window_seconds: float = MINUTE,
        burst: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        purge_every: int = 10_000,
    ) -> None:
        self.burst = check_budget(limit, window_seconds, burst)
        self.limit = limit
        self.window_seconds = window_seconds
        self._interval = window_seconds / limit
        # A hit is admitted while it is due at most this far ahead of now (a nanosecond
        # more, so that float rounding never costs the burst its last hit).
        self._tolerance = self.burst * self._interval + 1e-9
        self._clock = clock
        self._arrival: dict[str, float] = {}  # key -> theoretical arrival time
        self._purge_every = purge_every
        self._hits = 0

    async def hit(self, key: str) -> None:
        """Count one request for `key`, or raise RateLimited (with a Retry-After)."""
        now = self._clock()
        due = max(self._arrival.get(key, now), now) + self._interval
        if due - now > self._tolerance:
            raise refused(self.limit, self.window_seconds, due - now - self._tolerance)
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
