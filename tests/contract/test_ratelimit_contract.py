"""The RateLimit contract: a key's burst is available at once, then hits at the budget's pace;
over any window at most the budget plus the burst get through; the next hit is refused with
a Retry-After, and keys do not share budgets.

The Redis adapter must also share one budget between processes, and keep limiting (each
process on its own) while Redis is unreachable.
"""

import asyncio
from collections.abc import AsyncIterator, Callable, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from hubbub.infra.ratelimit import InMemoryRateLimiter, RedisRateLimiter
from hubbub.kernel.errors import RateLimited
from hubbub.kernel.ports import RateLimit
from local_redis import SHARED_REDIS_URL, LocalRedis

UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"

MakeLimiter = Callable[..., RateLimit]


@pytest.fixture(params=["memory", "redis"])
async def make_limiter(
    request: pytest.FixtureRequest, redis: Redis, namespace: str
) -> AsyncIterator[MakeLimiter]:
    """Builds limiters (`limit` per window, a minute unless told) of each adapter in turn.

    Requesting `redis` makes the test's keys go away afterwards.
    """
    made: list[RedisRateLimiter] = []

    def make(limit: int, window_seconds: float = 60.0, burst: int | None = None) -> RateLimit:
        if request.param == "memory":
            return InMemoryRateLimiter(limit=limit, window_seconds=window_seconds, burst=burst)
        limiter = RedisRateLimiter(
            SHARED_REDIS_URL,
            limit=limit,
            window_seconds=window_seconds,
            burst=burst,
            namespace=namespace,
        )
        made.append(limiter)
        return limiter

    yield make
    for limiter in made:
        await limiter.aclose()


@pytest.fixture
async def redis_limiters(redis: Redis, namespace: str) -> AsyncIterator[list[RedisRateLimiter]]:
    """Redis limiters the test builds and puts here, closed afterwards."""
    made: list[RedisRateLimiter] = []
    yield made
    for limiter in made:
        await limiter.aclose()


async def spend(limiter: RateLimit, key: str, times: int) -> None:
    for _ in range(times):
        await limiter.hit(key)


async def test_the_whole_budget_is_available_and_the_next_hit_is_refused(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(5)
    await spend(limiter, "alice", 5)

    with pytest.raises(RateLimited) as refused:
        await limiter.hit("alice")

    assert 1 <= refused.value.retry_after <= 60
    assert refused.value.status == 429


async def test_the_burst_is_separate_and_smaller_than_the_budget(
    make_limiter: MakeLimiter,
) -> None:
    limiter = make_limiter(100, burst=20)
    await spend(limiter, "alice", 20)
    with pytest.raises(RateLimited, match="100 per minute") as refused:
        await limiter.hit("alice")
    assert refused.value.retry_after == 1  # one hit every 0.6 s


async def test_over_a_window_at_most_the_budget_plus_the_burst_get_through(
    make_limiter: MakeLimiter,
) -> None:
    """The bug this replaces: 199 requests in 60 s for "100 per minute". Here a 1 s window
    of 20 (one hit every 50 ms) with a burst of 4, hammered for a whole window."""
    limiter = make_limiter(20, window_seconds=1.0, burst=4)
    admitted = 0
    loop = asyncio.get_running_loop()
    ends = loop.time() + 1.0
    while loop.time() < ends:
        try:
            await limiter.hit("alice")
            admitted += 1
        except RateLimited:
            await asyncio.sleep(0.005)
    assert 20 <= admitted <= 20 + 4 + 1, admitted


async def test_a_daily_budget_is_counted_over_the_day(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(3, 86_400)
    await spend(limiter, "alice", 3)
    with pytest.raises(RateLimited, match="3 per day") as refused:
        await limiter.hit("alice")
    assert refused.value.retry_after > 60  # not a minute's wait: the day's budget is spent


async def test_keys_have_budgets_of_their_own(make_limiter: MakeLimiter) -> None:
    limiter = make_limiter(2)
    await spend(limiter, "alice", 2)

    await spend(limiter, "bob", 2)
    with pytest.raises(RateLimited):
        await limiter.hit("alice")


async def test_processes_share_one_budget_through_redis(
    redis_limiters: list[RedisRateLimiter], namespace: str
) -> None:
    first, second = (
        RedisRateLimiter(SHARED_REDIS_URL, limit=4, namespace=namespace) for _ in range(2)
    )
    redis_limiters += [first, second]
    await spend(first, "alice", 2)
    await spend(second, "alice", 2)

    for limiter in (first, second):
        with pytest.raises(RateLimited):
            await limiter.hit("alice")


async def test_namespaces_keep_budgets_apart(
    redis_limiters: list[RedisRateLimiter], namespace: str
) -> None:
    rest = RedisRateLimiter(SHARED_REDIS_URL, limit=1, namespace=f"{namespace}:rest")
    ws = RedisRateLimiter(SHARED_REDIS_URL, limit=1, namespace=f"{namespace}:ws")
    redis_limiters += [rest, ws]

    await rest.hit("alice")
    await ws.hit("alice")  # the same key, another budget


async def test_hits_are_limited_in_process_while_redis_is_unreachable() -> None:
    limiter = RedisRateLimiter(UNREACHABLE_REDIS_URL, limit=3, namespace="unreachable")
    try:
        with capture_logs() as logs:
            await spend(limiter, "alice", 3)
            with pytest.raises(RateLimited) as refused:
                await limiter.hit("alice")
            await limiter.hit("bob")
    finally:
        await limiter.aclose()

    assert refused.value.retry_after >= 1
    outages = [entry for entry in logs if entry["event"] == "ratelimit_redis_failed"]
    assert len(outages) == 1  # once per outage, not once per hit


async def test_the_shared_budget_is_used_again_once_redis_is_back(tmp_path: Path) -> None:
    with LocalRedis(tmp_path) as server:
        limiter = RedisRateLimiter(server.url, limit=2, retry_seconds=0.05)
        try:
            with capture_logs() as logs:
                await limiter.hit("alice")
                server.stop()
                await spend(limiter, "alice", 2)  # counted here: a fresh local budget
                with pytest.raises(RateLimited):
                    await limiter.hit("alice")

                server.start()  # empty again: a fresh shared budget
                await asyncio.sleep(0.1)
                await wait_until_recovered(limiter, logs)
                await spend(limiter, "alice", 2)
                with pytest.raises(RateLimited):
                    await limiter.hit("alice")
        finally:
            await limiter.aclose()

    events = [entry["event"] for entry in logs if entry["event"].startswith("ratelimit_")]
    assert events == ["ratelimit_redis_failed", "ratelimit_redis_recovered"]


async def wait_until_recovered(
    limiter: RedisRateLimiter, logs: list[MutableMapping[str, Any]]
) -> None:
    """Hit a spare key until the limiter reports that Redis answers again."""
    async with asyncio.timeout(5):
        while not any(entry["event"] == "ratelimit_redis_recovered" for entry in logs):
            await limiter.hit("probe")
            await asyncio.sleep(0.05)
