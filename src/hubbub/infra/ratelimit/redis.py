"""Per-key rate limits shared by every process, in Redis: the same GCRA as the in-process
limiter (see memory.py), one small Lua script per hit.

The state of a key is one number, its theoretical arrival time, in a key that expires when
the budget is full again, and the script reads Redis's clock, so gateways with drifting
clocks still share one budget. (The `limits` library offers windows and counters but no
burst separate from the limit, and its sliding window counter, which hubbub used before,
lets a client spend a budget at the end of one window and most of another at the start of
the next: almost twice the limit within a minute.)

Losing Redis degrades the limits, never the service: hits are then counted by an in-process
GCRA with the same budget, so each process enforces the limit on its own (a client spread
over N gateways gets up to N budgets) until Redis answers again. After a failure Redis is
left alone for `retry_seconds`, so an outage costs one timeout, not one per request, and
is logged once when it starts and once when it ends.
"""

import time

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from hubbub.infra.ratelimit.memory import MINUTE, InMemoryRateLimiter, check_budget, refused
from hubbub.infra.redis import redis_pool

log = structlog.get_logger(__name__)

# KEYS[1]: the key's arrival time. ARGV: interval and tolerance, in microseconds.
# Returns 0 when the hit is admitted, else the microseconds to wait before retrying.
GCRA = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) * 1000000 + tonumber(now_parts[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local arrival = tonumber(redis.call('GET', KEYS[1]) or now)
if arrival < now then arrival = now end
local due = arrival + interval
local wait = due - now - tolerance
if wait > 0 then return wait end
redis.call('SET', KEYS[1], string.format('%.0f', due), 'PX',
           string.format('%.0f', math.ceil((due - now) / 1000)))
return 0
"""


class RedisRateLimiter:
    """Counts hits per key against `limit` per `window_seconds` (a minute by default), at
    most `burst` back to back, shared through Redis."""

    def __init__(
        self,
        url: str,
        *,
        limit: int,
        window_seconds: float = MINUTE,
        burst: int | None = None,
        namespace: str = "hubbub",
        retry_seconds: float = 5.0,
    ) -> None:
        self.burst = check_budget(limit, window_seconds, burst)
        self.limit = limit
        self.window_seconds = window_seconds
        interval = window_seconds / limit
        self._args = (round(interval * 1e6), round(self.burst * interval * 1e6))
        self._prefix = f"{namespace}:ratelimit:"
        # Our own pool, with the same short timeouts as the shared client (Redis sits on
        # the request path), so that `aclose` can release its connections.
        self._pool = redis_pool(url)
        self._redis = Redis.from_pool(self._pool)
        self._script = self._redis.register_script(GCRA)
        self._local = InMemoryRateLimiter(limit=limit, window_seconds=window_seconds, burst=burst)
        self._retry_seconds = retry_seconds
        self._skip_until = 0.0  # monotonic time before which hits are counted locally
        self._failing = False

    async def hit(self, key: str) -> None:
        """Count one hit for `key`, or raise RateLimited (with a Retry-After)."""
        if time.monotonic() >= self._skip_until:
            try:
                wait = int(await self._script(keys=[self._prefix + key], args=self._args))
            except (RedisError, OSError) as exc:
                self._failed(exc)
            else:
                self._succeeded()
                if wait > 0:
                    raise refused(self.limit, self.window_seconds, wait / 1e6)
                return
        await self._local.hit(key)

    async def aclose(self) -> None:
        """Release the connections to Redis (at shutdown)."""
        await self._redis.aclose()
        await self._pool.aclose()

    def _failed(self, exc: Exception) -> None:
        self._skip_until = time.monotonic() + self._retry_seconds
        if not self._failing:
            self._failing = True
            log.warning("ratelimit_redis_failed", error=repr(exc), fallback="in_process")

    def _succeeded(self) -> None:
        if self._failing:
            self._failing = False
            log.info("ratelimit_redis_recovered")
