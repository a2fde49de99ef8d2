"""The Fanout contract, over every adapter: a publish reaches the listener of every process
that subscribed the channel, and no other channel's."""

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest

from hubbub.infra.fanout import InMemoryFanout, RedisFanout, fanout_from_url
from hubbub.kernel.ids import new_id
from hubbub.kernel.ports import Fanout
from local_redis import SHARED_REDIS_URL as REDIS_URL


class Listener:
    def __init__(self) -> None:
        self.got: list[tuple[str, bytes]] = []
        self.changed = asyncio.Event()

    def __call__(self, channel: str, payload: bytes) -> None:
        self.got.append((channel, payload))
        self.changed.set()

    async def wait_for(self, count: int, within: float = 5.0) -> None:
        async with asyncio.timeout(within):
            while len(self.got) < count:
                self.changed.clear()
                await self.changed.wait()


async def settle() -> None:
    """Long enough for anything wrongly delivered through Redis to have arrived."""
    await asyncio.sleep(0.1)


MakeFanout = Callable[[], Fanout]


@pytest.fixture(params=["memory", "redis"])
async def make_fanout(request: pytest.FixtureRequest, namespace: str) -> AsyncIterator[MakeFanout]:
    """Builds fan-outs of one deployment (Redis ones share the test's namespace)."""
    made: list[Fanout] = []

    def make() -> Fanout:
        url = "memory://" if request.param == "memory" else REDIS_URL
        fanout = fanout_from_url(url, instance=new_id().hex[-8:], namespace=namespace)
        made.append(fanout)
        return fanout

    yield make
    for fanout in made:
        await fanout.stop()


async def started(fanout: Fanout, listener: Listener, *channels: str) -> Fanout:
    await fanout.start(listener)
    if isinstance(fanout, RedisFanout):
        await fanout.wait_connected()
    for channel in channels:
        await fanout.subscribe(channel)
    return fanout


async def test_only_subscribed_channels_reach_the_listener(make_fanout: MakeFanout) -> None:
    listener = Listener()
    fanout = await started(make_fanout(), listener, "chat:1")

    await fanout.publish("chat:1", b"a")
    await fanout.publish("chat:2", b"b")
    await settle()
    await fanout.unsubscribe("chat:1")
    await fanout.publish("chat:1", b"c")
    await settle()

    assert listener.got == [("chat:1", b"a")]


async def test_a_local_subscriber_gets_each_publish_once_and_at_once(
    make_fanout: MakeFanout,
) -> None:
    listener = Listener()
    fanout = await started(make_fanout(), listener, "chat:1")

    await fanout.publish("chat:1", b"x")
    assert listener.got == [("chat:1", b"x")]  # delivered before publish returned
    await settle()
    assert listener.got == [("chat:1", b"x")]  # and not again through Redis


async def test_nothing_is_delivered_after_stop(make_fanout: MakeFanout) -> None:
    listener = Listener()
    fanout = await started(make_fanout(), listener, "chat:1")
    await fanout.stop()

    await fanout.publish("chat:1", b"after")

    assert listener.got == []


async def test_ping(make_fanout: MakeFanout) -> None:
    fanout = await started(make_fanout(), Listener())
    assert await fanout.ping() is True


@pytest.fixture
async def two_gateways(namespace: str) -> AsyncIterator[tuple[RedisFanout, RedisFanout]]:
    a = RedisFanout(REDIS_URL, instance="gw-a", namespace=namespace)
    b = RedisFanout(REDIS_URL, instance="gw-b", namespace=namespace)
    yield a, b
    await a.stop()
    await b.stop()


async def test_redis_carries_a_publish_to_every_gateway_that_subscribed(
    two_gateways: tuple[RedisFanout, RedisFanout],
) -> None:
    a, b = two_gateways
    heard_a, heard_b = Listener(), Listener()
    await started(a, heard_a, "chat:1")
    await started(b, heard_b, "chat:1", "user:7")

    await a.publish("chat:1", b"hello")
    await a.publish("user:7", b"invite")
    await heard_b.wait_for(2)
    await settle()

    assert heard_a.got == [("chat:1", b"hello")]
    assert heard_b.got == [("chat:1", b"hello"), ("user:7", b"invite")]


async def test_another_deployment_on_the_same_redis_hears_nothing(
    two_gateways: tuple[RedisFanout, RedisFanout],
) -> None:
    a, _ = two_gateways
    other = RedisFanout(REDIS_URL, instance="gw-x", namespace=f"other-{new_id().hex[-8:]}")
    heard = Listener()
    try:
        await started(a, Listener(), "chat:1")
        await started(other, heard, "chat:1")
        await a.publish("chat:1", b"private")
        await settle()
        assert heard.got == []
    finally:
        await other.stop()


def test_fanout_from_url_by_scheme() -> None:
    assert isinstance(fanout_from_url("memory://", instance="i"), InMemoryFanout)
    assert isinstance(fanout_from_url("redis://localhost:6379/0", instance="i"), RedisFanout)
    with pytest.raises(ValueError, match="HUBBUB_FANOUT_URL"):
        fanout_from_url("nats://localhost:4222", instance="i")


@pytest.fixture
async def speaker_and_listener(
    two_gateways: tuple[RedisFanout, RedisFanout],
) -> tuple[RedisFanout, Listener]:
    """Gateway a publishes on chat:1; what gateway b hears of it is recorded."""
    a, b = two_gateways
    heard = Listener()
    await started(a, Listener(), "chat:1")
    await started(b, heard, "chat:1")
    return a, heard


async def test_a_burst_reaches_the_other_gateway_complete_and_in_order(
    speaker_and_listener: tuple[RedisFanout, Listener],
) -> None:
    a, heard = speaker_and_listener

    for n in range(1000):  # as a writer fans out a committed batch: no await in between
        await a.publish("chat:1", str(n).encode())
    await heard.wait_for(1000)

    assert [payload for _, payload in heard.got] == [str(n).encode() for n in range(1000)]


async def test_what_was_published_before_stop_still_goes_out(
    speaker_and_listener: tuple[RedisFanout, Listener],
) -> None:
    a, heard = speaker_and_listener

    for n in range(100):
        await a.publish("chat:1", str(n).encode())
    await a.stop()  # a graceful shutdown right after a batch was fanned out
    await heard.wait_for(100)

    assert len(heard.got) == 100
