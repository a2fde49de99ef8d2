"""The Cache contract: a value is there until its TTL passes or it is deleted.

The Redis adapter must also share values between processes, and fail open (a miss, never an
error) when Redis is unreachable: a cache is never the truth.
"""

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from hubbub.infra.cache import InMemoryCache, RedisCache
from hubbub.kernel.ports import Cache

UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.fixture(params=["memory", "redis"])
def cache(request: pytest.FixtureRequest, redis: Redis, namespace: str) -> Cache:
    """A cache of each adapter in turn."""
    if request.param == "memory":
        return InMemoryCache()
    return RedisCache(redis, namespace=namespace)


@pytest.fixture
async def unreachable() -> AsyncIterator[Redis]:
    client = Redis.from_url(UNREACHABLE_REDIS_URL, socket_connect_timeout=0.2)
    yield client
    await client.aclose()


async def test_a_value_is_there_until_deleted(cache: Cache) -> None:
    assert await cache.get("members:1") is None

    await cache.set("members:1", b"alice,bob", ttl_seconds=30)
    assert await cache.get("members:1") == b"alice,bob"
    assert await cache.get("members:2") is None

    await cache.set("members:1", b"alice", ttl_seconds=30)  # replaced
    assert await cache.get("members:1") == b"alice"

    await cache.delete("members:1")
    await cache.delete("never-there")
    assert await cache.get("members:1") is None


async def test_many_values_at_once(cache: Cache) -> None:
    await cache.set_many({"user:1": b"alice", "user:2": b"bob"}, ttl_seconds=30)
    await cache.set_many({}, ttl_seconds=30)

    assert await cache.get_many(["user:2", "user:3", "user:1"]) == [b"bob", None, b"alice"]
    assert await cache.get_many([]) == []
    await cache.delete("user:1")
    assert await cache.get_many(["user:1", "user:2"]) == [None, b"bob"]


async def test_a_value_expires_after_its_ttl(cache: Cache) -> None:
    await cache.set("short", b"1", ttl_seconds=0.05)
    await cache.set("long", b"2", ttl_seconds=30)

    await asyncio.sleep(0.1)

    assert await cache.get("short") is None
    assert await cache.get("long") == b"2"


async def test_processes_share_values_through_redis(redis: Redis, namespace: str) -> None:
    first, second = RedisCache(redis, namespace=namespace), RedisCache(redis, namespace=namespace)

    await first.set("user:1", b"alice", ttl_seconds=30)
    assert await second.get("user:1") == b"alice"

    await second.delete("user:1")  # an invalidation anywhere reaches everyone
    assert await first.get("user:1") is None


async def test_namespaces_keep_values_apart(redis: Redis, namespace: str) -> None:
    ours = RedisCache(redis, namespace=namespace)
    theirs = RedisCache(redis, namespace=f"{namespace}:other")

    await ours.set("user:1", b"alice", ttl_seconds=30)

    assert await theirs.get("user:1") is None


async def test_an_unreachable_redis_is_a_miss_not_an_error(unreachable: Redis) -> None:
    cache = RedisCache(unreachable, retry_seconds=0)

    with capture_logs() as logs:
        await cache.set("user:1", b"alice", ttl_seconds=30)
        assert await cache.get("user:1") is None
        assert await cache.get_many(["user:1", "user:2"]) == [None, None]
        await cache.set_many({"user:1": b"a", "user:2": b"b"}, ttl_seconds=30)
        await cache.delete("user:1")

    events = [entry["event"] for entry in logs]
    assert events.count("cache_redis_failed") == 1  # once per outage, not once per call
    assert events.count("cache_invalidation_failed") == 1  # each lost delete is worth a line


async def test_after_a_failure_reads_and_writes_skip_redis_for_a_moment(
    unreachable: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = RedisCache(unreachable, retry_seconds=30)
    calls: list[str] = []
    for command in ("get", "set", "delete"):
        monkeypatch.setattr(unreachable, command, recording(calls, getattr(unreachable, command)))

    for _ in range(3):
        assert await cache.get("user:1") is None
        await cache.set("user:1", b"alice", ttl_seconds=30)
    await cache.delete("user:1")  # an invalidation is always attempted

    assert calls == ["get", "delete"]


def recording(calls: list[str], command: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    async def call(*args: Any, **kwargs: Any) -> Any:
        calls.append(command.__name__)
        return await command(*args, **kwargs)

    return call
