"""Per-key rate limits on the `limits` library (moving window; memory now, Redis later)."""

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from hubbub.kernel.errors import RateLimited


class RateLimiter:
    """Counts hits per key against a per-minute budget; `hit` raises RateLimited when spent."""

    def __init__(
        self, *, per_minute: int, storage: Storage | None = None, scope: str = "http"
    ) -> None:
        self._item = RateLimitItemPerMinute(per_minute, namespace=f"hubbub:{scope}")
        self._storage = storage or MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)

    async def hit(self, key: str) -> None:
        if await self._limiter.hit(self._item, key):
            return
        reset_at, _remaining = await self._limiter.get_window_stats(self._item, key)

        retry_after = max(1, math.ceil(reset_at - time.time()))
        raise RateLimited(
            f"rate limit of {self._item.amount} per minute reached; retry in {retry_after}s",
            retry_after=retry_after,
        )
