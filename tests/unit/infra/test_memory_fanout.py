"""InMemoryFanout: a publish reaches this process's listener on subscribed channels only."""

import pytest

from hubbub.infra.fanout import InMemoryFanout, fanout_from_url


class Listener:
    def __init__(self) -> None:
        self.got: list[tuple[str, bytes]] = []

    def __call__(self, channel: str, payload: bytes) -> None:
        self.got.append((channel, payload))


async def test_only_subscribed_channels_reach_the_listener() -> None:
    fanout, listener = InMemoryFanout(), Listener()
    await fanout.start(listener)
    await fanout.subscribe("chat:1")

    await fanout.publish("chat:1", b"a")
    await fanout.publish("chat:2", b"b")
    await fanout.unsubscribe("chat:1")
    await fanout.publish("chat:1", b"c")

    assert listener.got == [("chat:1", b"a")]


async def test_nothing_is_delivered_before_start_or_after_stop() -> None:
    fanout, listener = InMemoryFanout(), Listener()
    await fanout.subscribe("chat:1")
    await fanout.publish("chat:1", b"before")
    await fanout.start(listener)
    await fanout.stop()

    await fanout.publish("chat:1", b"after")

    assert listener.got == []
    assert await fanout.ping() is True


def test_fanout_from_url_by_scheme() -> None:
    assert isinstance(fanout_from_url("memory://"), InMemoryFanout)
    with pytest.raises(ValueError, match="HUBBUB_FANOUT_URL"):
        fanout_from_url("redis://localhost:6379")
