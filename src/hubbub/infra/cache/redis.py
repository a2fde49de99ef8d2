"""A cache shared by every process of a deployment, in Redis (`{ns}:cache:{key}`).

A cache is never the truth, so it fails open: when Redis is unreachable a read is a miss
(the caller asks the database) and a write is dropped. After a failure, reads and writes
skip Redis for a moment, so that a Redis that stopped answering costs one timeout, not one
per message. Deletes are always attempted: they are invalidations, and a skipped one could
leave a stale entry (say, a membership just revoked) readable once Redis answers again.
Entries expire on their own, which bounds the staleness when even a delete fails.
"""

import math
import time
from collections.abc import Mapping, Sequence

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)

REDIS_DOWN = (RedisError, OSError)


class RedisCache:
    def __init__(
        self, redis: Redis, *, namespace: str = "hubbub", retry_seconds: float = 1.0
    ) -> None:
        self._redis = redis
        self._prefix = f"{namespace}:cache:"
        self._retry_seconds = retry_seconds
        self._skip_until = 0.0  # monotonic time before which reads and writes skip Redis
        self._failing = False  # inside an outage: logged once when it starts, once when over

    async def get(self, key: str) -> bytes | None:
        if self._skipping():
            return None
        try:
            value = await self._redis.get(self._prefix + key)
        except REDIS_DOWN as exc:
            self._failed("get", exc)
            return None
        self._succeeded()
        # A client made with decode_responses=True answers str; the port deals in bytes.
        return value.encode() if isinstance(value, str) else value

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys or self._skipping():
            return [None] * len(keys)
        try:
            values = await self._redis.mget([self._prefix + key for key in keys])
        except REDIS_DOWN as exc:
            self._failed("get_many", exc)
            return [None] * len(keys)
        self._succeeded()
        return [v.encode() if isinstance(v, str) else v for v in values]

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        await self.set_many({key: value}, ttl_seconds=ttl_seconds)

    async def set_many(self, values: Mapping[str, bytes], *, ttl_seconds: float) -> None:
        if not values or self._skipping():
            return
        # PX has millisecond precision; rounding up keeps a tiny TTL from becoming 0.
        px = max(1, math.ceil(ttl_seconds * 1000))
        try:
            if len(values) == 1:
                [(key, value)] = values.items()
                await self._redis.set(self._prefix + key, value, px=px)
            else:
                pipe = self._redis.pipeline(transaction=False)
                for key, value in values.items():
                    pipe.set(self._prefix + key, value, px=px)
                await pipe.execute()
        except REDIS_DOWN as exc:
            self._failed("set", exc)
            return
        self._succeeded()

    async def delete(self, key: str) -> None:
        try:
            await self._redis.delete(self._prefix + key)
        except REDIS_DOWN as exc:
            self._failed("delete", exc)
            # Logged every time, not once per outage: the entry may now be stale for its TTL.
            log.warning("cache_invalidation_failed", key=key, error=repr(exc))
            return
        self._succeeded()

    def _skipping(self) -> bool:
        return time.monotonic() < self._skip_until

    def _failed(self, operation: str, exc: Exception) -> None:
        self._skip_until = time.monotonic() + self._retry_seconds
        if not self._failing:
            self._failing = True
            log.warning("cache_redis_failed", operation=operation, error=repr(exc))

    def _succeeded(self) -> None:
        if self._failing:
            self._failing = False
            log.info("cache_redis_recovered")
