"""Rate-limit adapters: GCRA in this process, or a budget shared through Redis."""

from hubbub.infra.ratelimit.memory import InMemoryRateLimiter
from hubbub.infra.ratelimit.redis import RedisRateLimiter
from hubbub.kernel.ports import RateLimit


def rate_limit_from(redis_url: str | None, *, per_minute: int, namespace: str) -> RateLimit:
    """A limiter shared by every process through Redis when one is configured, else local.

    `namespace` keeps separate budgets (REST requests, WebSocket frames) apart in Redis.
    """
    if not redis_url:
        return InMemoryRateLimiter(per_minute=per_minute)
    return RedisRateLimiter(redis_url, per_minute=per_minute, namespace=namespace)


__all__ = ["InMemoryRateLimiter", "RedisRateLimiter", "rate_limit_from"]
