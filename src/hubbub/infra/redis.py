"""The shared Redis connection pool (presence, rate limits, caches).

Timeouts are short on purpose: Redis sits on the send path, and when it is slow or gone every
user of this client falls back (local limits, the database, no presence transition) instead
of stalling a message for longer than a second.
"""

from redis.asyncio import Redis


def redis_client(url: str) -> Redis:
    return Redis.from_url(
        url,
        socket_timeout=1.0,
        socket_connect_timeout=1.0,
        health_check_interval=15,
        max_connections=64,
    )


async def redis_ping(client: Redis) -> bool:
    try:
        return bool(await client.ping())
    except Exception:
        return False
