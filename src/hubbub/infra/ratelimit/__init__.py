"""Rate-limit adapters: GCRA in this process, or a budget shared through Redis."""

from hubbub.infra.ratelimit.memory import MINUTE, InMemoryRateLimiter
from hubbub.infra.ratelimit.redis import RedisRateLimiter
from hubbub.kernel.ports import RateLimit


def rate_limit_from(
    redis_url: str | None,
    *,
    limit: int,
    namespace: str,
    window_seconds: float = MINUTE,
    burst: int | None = None,
) -> RateLimit:
    """A budget of `limit` hits per `window_seconds`, at most `burst` (the limit unless told)
    back to back, shared by every process through Redis when one is configured, else local.

    `namespace` keeps separate budgets (REST requests, WebSocket frames, assistant calls)
    apart in Redis.
    """
    if not redis_url:
        return InMemoryRateLimiter(limit=limit, window_seconds=window_seconds, burst=burst)
    return RedisRateLimiter(
        redis_url, limit=limit, window_seconds=window_seconds, burst=burst, namespace=namespace
    )


__all__ = ["InMemoryRateLimiter", "RedisRateLimiter", "rate_limit_from"]
