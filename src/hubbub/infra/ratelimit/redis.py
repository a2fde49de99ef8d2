"""Per-key rate limits shared by every process, in Redis, with the `limits` library.

Strategy: the sliding window counter. Each hit is one Lua script over two counters (this
minute's and the previous one's, weighted by how much of it still overlaps the window):
O(1) time and memory per key whatever the budget. The fixed window costs the same but lets a
client spend two budgets back to back around a minute boundary; the moving window is exact
but stores one entry per hit (a ZSET of up to `limit` members per key).

Losing Redis degrades the limits, never the service: hits are then counted by an in-process
GCRA with the same budget, so each process enforces the limit on its own (a client spread
over N gateways gets up to N budgets) until Redis answers again. After a failure Redis is
left alone for `retry_seconds`, so an outage costs one timeout, not one per request, and
is logged once when it starts and once when it ends.
"""

import math
import time
from typing import Any

import structlog
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError

from hubbub.infra.ratelimit.memory import MINUTE, InMemoryRateLimiter, describe_budget
from hubbub.infra.redis import redis_pool
from hubbub.kernel.errors import RateLimited

log = structlog.get_logger(__name__)


class RedisRateLimiter:
    """Counts hits per key against a budget of `limit` per `window_seconds` (a minute by
    default) shared through Redis."""

    def __init__(
        self,
        url: str,
        *,
        limit: int,
        window_seconds: float = MINUTE,
        namespace: str = "hubbub",
        retry_seconds: float = 5.0,
    ) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self.limit = limit
        self.window_seconds = window_seconds
        self._budget = RateLimitItemPerSecond(
            limit, max(1, round(window_seconds)), namespace="ratelimit"
        )
        # Our own pool, with the same short timeouts as the shared client (Redis sits on
        # the request path), so that `aclose` can release its connections.
        self._pool = redis_pool(url)
        # Built on redis-py rather than coredis. Given a connection pool, `limits` connects
        # through it and reads the URI only to pick its Redis flavour.
        pool_option: dict[str, Any] = {"connection_pool": self._pool}
        storage = RedisStorage(
            "async+redis://",
            implementation="redispy",
            key_prefix=namespace,
            wrap_exceptions=True,  # any Redis failure surfaces as limits' StorageError
            **pool_option,
        )
        self._shared = SlidingWindowCounterRateLimiter(storage)
        self._local = InMemoryRateLimiter(limit=limit, window_seconds=window_seconds)
        self._retry_seconds = retry_seconds
        self._skip_until = 0.0  # monotonic time before which hits are counted locally
        self._failing = False

    async def hit(self, key: str) -> None:
        """Count one hit for `key`, or raise RateLimited (with a Retry-After)."""
        if time.monotonic() >= self._skip_until:
            try:
                allowed = await self._shared.hit(self._budget, key)
            except StorageError as exc:
                self._failed(exc)
            else:
                self._succeeded()
                if not allowed:
                    retry_after = await self._retry_after(key)
                    budget = describe_budget(self.limit, self.window_seconds)
                    raise RateLimited(
                        f"rate limit of {budget} reached; retry in {retry_after}s",
                        retry_after=retry_after,
                    )
                return
        await self._local.hit(key)

    async def aclose(self) -> None:
        """Release the connections to Redis (at shutdown)."""
        await self._pool.aclose()

    async def _retry_after(self, key: str) -> int:
        """Whole seconds until the window frees a hit (at least 1, as Retry-After wants)."""
        share = math.ceil(self.window_seconds / self.limit)  # one hit's share of the window
        try:
            stats = await self._shared.get_window_stats(self._budget, key)
        except StorageError:
            return share
        wait = stats.reset_time - time.time()
        # `limits` derives the reset from the current window's TTL modulo its length, which
        # is 0 when read in the millisecond the window was created: no answer, not "now".
        return math.ceil(wait) if wait >= 1 else max(1, share)

    def _failed(self, exc: StorageError) -> None:
        self._skip_until = time.monotonic() + self._retry_seconds
        if not self._failing:
            self._failing = True
            log.warning(
                "ratelimit_redis_failed", error=repr(exc.storage_error), fallback="in_process"
            )

    def _succeeded(self) -> None:
        if self._failing:
            self._failing = False
            log.info("ratelimit_redis_recovered")
