"""The Presence contract: online ⇔ at least one live connection anywhere, with transitions
reported once, not once per connection.

Every adapter must answer the same in one process; the Redis adapter must also hold across
gateways sharing a Redis: connections on several gateways, a gateway that dies without
cleaning up, a Redis that lost its data, a Redis that is gone.
"""

import asyncio
from collections.abc import AsyncIterator, Callable
from uuid import UUID

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from hubbub.infra.presence import InMemoryPresence, RedisPresence
from hubbub.kernel.ids import new_id
from hubbub.kernel.ports import Presence

UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"


@pytest.fixture(params=["memory", "redis"])
async def presence(
    request: pytest.FixtureRequest, redis: Redis, namespace: str
) -> AsyncIterator[Presence]:
    """One gateway's presence, of each adapter in turn."""
    adapter: Presence
    if request.param == "memory":
        adapter = InMemoryPresence()
    else:
        adapter = RedisPresence(redis, instance="gw-1", namespace=namespace)
    yield adapter
    await adapter.stop()


MakeGateway = Callable[..., RedisPresence]


@pytest.fixture
async def gateway(redis: Redis, namespace: str) -> AsyncIterator[MakeGateway]:
    """Builds the Redis presence of one more gateway of the same deployment.

    Gateways are stopped at the end unless `crashed=True`: those vanish without a word.
    """
    made: list[RedisPresence] = []

    def make(instance: str, *, crashed: bool = False, **timing: float) -> RedisPresence:
        adapter = RedisPresence(redis, instance=instance, namespace=namespace, **timing)
        if not crashed:
            made.append(adapter)
        return adapter

    yield make
    for adapter in made:
        await adapter.stop()


class OfflineRecorder:
    """An OfflineListener that remembers whom it was told about."""

    def __init__(self) -> None:
        self.users: list[UUID] = []
        self.told = asyncio.Event()

    async def __call__(self, user_id: UUID) -> None:
        self.users.append(user_id)
        self.told.set()


async def test_online_from_the_first_connection_to_the_last_disconnection(
    presence: Presence,
) -> None:
    alice, bob, carol = new_id(), new_id(), new_id()

    assert await presence.connect(alice) is True
    assert await presence.connect(alice) is False  # a second tab: no transition
    assert await presence.connect(bob) is True
    assert await presence.online_among({alice, bob, carol}) == {alice, bob}

    assert await presence.disconnect(alice) is False  # one tab left
    assert await presence.online_among({alice, carol}) == {alice}
    assert await presence.disconnect(alice) is True
    assert await presence.online_among({alice, bob, carol}) == {bob}

    assert await presence.connect(alice) is True  # back again


async def test_closing_a_connection_never_opened_is_no_transition(presence: Presence) -> None:
    assert await presence.disconnect(new_id()) is False


async def test_asking_about_nobody_answers_nobody(presence: Presence) -> None:
    assert await presence.online_among(set()) == set()
    assert await presence.ping() is True


async def test_a_tab_closing_while_another_opens_leaves_the_user_online(
    presence: Presence,
) -> None:
    alice = new_id()
    await presence.connect(alice)

    for _ in range(20):  # the last tab closes (1→0) as a new one opens (0→1), concurrently
        went_offline, came_online = await asyncio.gather(
            presence.disconnect(alice), presence.connect(alice)
        )
        assert (went_offline, came_online) == (True, True)

    assert await presence.online_among({alice}) == {alice}


async def test_stopping_withdraws_this_gateways_connections(
    gateway: MakeGateway,
) -> None:
    alice = new_id()
    leaving, staying = gateway("gw-leaving"), gateway("gw-staying")
    await leaving.connect(alice)

    await leaving.stop()

    assert await staying.online_among({alice}) == set()


async def test_a_user_connected_to_two_gateways_is_online_until_both_connections_close(
    gateway: MakeGateway,
) -> None:
    alice = new_id()
    first, second = gateway("gw-1"), gateway("gw-2")

    assert await first.connect(alice) is True
    assert await second.connect(alice) is False  # already online through the first
    assert await second.online_among({alice}) == {alice}

    assert await first.disconnect(alice) is False  # still connected to the second
    assert await first.online_among({alice}) == {alice}
    assert await second.disconnect(alice) is True  # only the last one reports offline
    assert await first.online_among({alice}) == set()


async def test_the_users_of_a_crashed_gateway_go_offline_once(gateway: MakeGateway) -> None:
    alice, bob = new_id(), new_id()
    crashed = gateway("gw-crashed", crashed=True, ttl_seconds=0.5, heartbeat_seconds=0.1)
    await crashed.connect(alice)
    await crashed.connect(bob)
    await crashed.heartbeat()
    # ...and then it heartbeats no more, and never cleans up.
    survivor = gateway("gw-survivor")
    assert await survivor.connect(bob) is False  # bob is also connected elsewhere

    told = OfflineRecorder()
    for name in ("gw-sweeper-1", "gw-sweeper-2"):  # two sweepers race to retire it
        await gateway(name, sweep_seconds=0.05).start(told)
    await asyncio.wait_for(told.told.wait(), timeout=5)
    await asyncio.sleep(0.3)  # several more sweeps by each sweeper

    assert told.users == [alice]
    assert await survivor.online_among({alice, bob}) == {bob}


async def test_a_user_announced_offline_elsewhere_is_not_announced_again_by_the_sweep(
    gateway: MakeGateway,
) -> None:
    alice, carol = new_id(), new_id()
    crashed = gateway("gw-crashed", crashed=True, ttl_seconds=0.5, heartbeat_seconds=0.1)
    await crashed.connect(alice)
    await crashed.connect(carol)
    survivor = gateway("gw-survivor")
    await survivor.connect(alice)
    await asyncio.sleep(0.6)  # the crashed gateway's claims expire before any sweep

    # alice's last live connection closes: that is her one offline transition.
    assert await survivor.disconnect(alice) is True

    told = OfflineRecorder()
    await gateway("gw-sweeper", sweep_seconds=0.05).start(told)
    await asyncio.wait_for(told.told.wait(), timeout=5)
    await asyncio.sleep(0.2)

    assert told.users == [carol]


async def test_transitions_reach_redis_in_the_order_they_happened_here(
    gateway: MakeGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = new_id()
    presence = gateway("gw-1")
    await presence.connect(alice)
    release = presence._release

    async def slow_release(user_id: UUID) -> bool:  # as if its connection were slower
        await asyncio.sleep(0.05)
        return await release(user_id)

    monkeypatch.setattr(presence, "_release", slow_release)

    # The last tab closes (1→0), and a new one opens (0→1) while that is on its way.
    went_offline, came_online = await asyncio.gather(
        presence.disconnect(alice), presence.connect(alice)
    )

    assert (went_offline, came_online) == (True, True)
    assert await presence.online_among({alice}) == {alice}


async def test_presence_heals_after_redis_lost_its_data(
    gateway: MakeGateway, redis: Redis, namespace: str
) -> None:
    alice = new_id()
    first = gateway("gw-1")
    await first.connect(alice)

    keys = [key async for key in redis.scan_iter(match=f"{namespace}:*")]
    await redis.delete(*keys)  # what a Redis restart without persistence looks like
    assert await first.online_among({alice}) == set()

    await first.heartbeat()

    assert await first.online_among({alice}) == {alice}
    assert await first.disconnect(alice) is True


async def test_presence_fails_open_when_redis_is_unreachable() -> None:
    unreachable = Redis.from_url(UNREACHABLE_REDIS_URL, socket_connect_timeout=0.2)
    presence = RedisPresence(unreachable, instance="gw-1", heartbeat_seconds=0.05)
    alice = new_id()
    try:
        with capture_logs() as logs:
            await presence.start(OfflineRecorder())
            assert await presence.connect(alice) is False  # no transition, no exception
            # The only thing known for sure: alice is connected right here.
            assert await presence.online_among({alice, new_id()}) == {alice}
            assert await presence.disconnect(alice) is False
            await asyncio.sleep(0.15)  # heartbeats keep failing, and keep going
            assert await presence.ping() is False
            await presence.stop()
    finally:
        await unreachable.aclose()

    failed = [entry["operation"] for entry in logs if entry["event"] == "presence_redis_failed"]
    assert {"connect", "online_among", "disconnect", "heartbeat", "stop"} <= set(failed)
    assert failed.count("heartbeat") >= 2


def test_a_heartbeat_slower_than_the_ttl_is_refused(redis: Redis) -> None:
    with pytest.raises(ValueError):
        RedisPresence(redis, instance="gw-1", ttl_seconds=10, heartbeat_seconds=10)
