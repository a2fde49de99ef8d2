"""Cache adapters: in this process, or shared through Redis."""

from redis.asyncio import Redis

from hubbub.infra.cache.memory import InMemoryCache
from hubbub.infra.cache.redis import RedisCache
from hubbub.kernel.ports import Cache


def cache_from(redis: Redis | None, *, namespace: str) -> Cache:
    """A Redis cache when a Redis is configured, else this process's own."""
    if redis is None:
        return InMemoryCache()
    return RedisCache(redis, namespace=namespace)


__all__ = ["InMemoryCache", "RedisCache", "cache_from"]
