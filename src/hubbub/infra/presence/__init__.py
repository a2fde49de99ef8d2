"""Presence adapters: in this process, or shared by every gateway through Redis."""

from redis.asyncio import Redis

from hubbub.infra.presence.memory import InMemoryPresence
from hubbub.infra.presence.redis import RedisPresence
from hubbub.kernel.ports import Presence


def presence_from(
    redis: Redis | None, *, instance: str, namespace: str, ttl_seconds: float
) -> Presence:
    """Redis presence when a Redis is configured, else this process's own."""
    if redis is None:
        return InMemoryPresence()
    # Three heartbeats per TTL, so one lost heartbeat never makes a live gateway's users
    # look offline; sweeps often enough that a dead gateway's users go offline soon after.
    return RedisPresence(
        redis,
        instance=instance,
        namespace=namespace,
        ttl_seconds=ttl_seconds,
        heartbeat_seconds=min(15.0, ttl_seconds / 3),
        sweep_seconds=min(5.0, ttl_seconds / 3),
    )


__all__ = ["InMemoryPresence", "RedisPresence", "presence_from"]
