"""The in-process rate limiter: a whole minute's budget at once, then a smooth refill."""

import pytest

from hubbub.infra.ratelimit import InMemoryRateLimiter
from hubbub.kernel.errors import RateLimited


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def spend(limiter: InMemoryRateLimiter, key: str, times: int) -> None:
    for _ in range(times):
        await limiter.hit(key)


async def test_the_whole_budget_is_available_at_once_and_one_more_is_refused() -> None:
    limiter = InMemoryRateLimiter(limit=5, clock=ManualClock())
    await spend(limiter, "alice", 5)

    with pytest.raises(RateLimited) as refused:
        await limiter.hit("alice")
    assert refused.value.retry_after == 12  # one request every 60/5 seconds
    assert refused.value.status == 429


async def test_a_refused_hit_does_not_spend_budget() -> None:
    clock = ManualClock()
    limiter = InMemoryRateLimiter(limit=5, clock=clock)
    await spend(limiter, "alice", 5)
    for _ in range(3):
        with pytest.raises(RateLimited):
            await limiter.hit("alice")

    clock.now += 12
    await limiter.hit("alice")  # exactly one request has been refilled


async def test_the_budget_refills_smoothly() -> None:
    clock = ManualClock()
    limiter = InMemoryRateLimiter(limit=60, clock=clock)
    await spend(limiter, "alice", 60)

    clock.now += 10
    await spend(limiter, "alice", 10)
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("alice")
    assert refused.value.retry_after == 1


async def test_keys_have_budgets_of_their_own() -> None:
    limiter = InMemoryRateLimiter(limit=2, clock=ManualClock())
    await spend(limiter, "alice", 2)

    await spend(limiter, "bob", 2)
    with pytest.raises(RateLimited):
        await limiter.hit("alice")


async def test_keys_with_a_full_budget_are_forgotten_without_changing_any_answer() -> None:
    clock = ManualClock()
    limiter = InMemoryRateLimiter(limit=2, clock=clock, purge_every=3)
    await spend(limiter, "alice", 2)
    clock.now += 61
    await limiter.hit("bob")  # third hit: purges alice, whose budget is full again

    assert "alice" not in limiter._arrival
    await spend(limiter, "alice", 2)
    with pytest.raises(RateLimited):
        await limiter.hit("alice")


def test_a_budget_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        InMemoryRateLimiter(limit=0)


async def test_a_daily_budget_refills_over_the_day() -> None:
    clock = ManualClock()
    limiter = InMemoryRateLimiter(limit=2, window_seconds=86_400, clock=clock)
    await spend(limiter, "alice", 2)
    with pytest.raises(RateLimited, match="2 per day") as refused:
        await limiter.hit("alice")
    assert refused.value.retry_after == 43_200  # one hit's share of the day
    clock.now += 43_200
    await limiter.hit("alice")


async def test_a_burst_smaller_than_the_budget_then_the_budgets_pace() -> None:
    """100 per minute with a burst of 20: 20 at once, then one every 0.6 s; a client going
    as fast as it is let through gets 120 in its first minute and 100 in every later one."""
    clock = ManualClock()
    limiter = InMemoryRateLimiter(limit=100, burst=20, clock=clock)
    await spend(limiter, "alice", 20)
    with pytest.raises(RateLimited) as refused:
        await limiter.hit("alice")
    assert refused.value.retry_after == 1

    admitted_per_minute = []
    for _minute in range(3):
        admitted = 0
        for _tick in range(600):  # every 0.1 s for a minute
            clock.now += 0.1
            try:
                await limiter.hit("alice")
                admitted += 1
            except RateLimited:
                pass
        admitted_per_minute.append(admitted)
    assert all(99 <= n <= 101 for n in admitted_per_minute), admitted_per_minute


def test_a_burst_must_be_positive() -> None:
    with pytest.raises(ValueError, match="burst"):
        InMemoryRateLimiter(limit=5, burst=0)
