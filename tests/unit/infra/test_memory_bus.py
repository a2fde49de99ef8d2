"""InMemoryBus: consumer groups, per-key order, partitions side by side, retries and dead
letters."""

import asyncio
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs

from hubbub.infra.bus import InMemoryBus, bus_from_url

TOPIC = "chat.message.persisted"


class Recorder:
    """A handler that records (key, payload) and can fail a number of times first."""

    def __init__(self, *, failures: int = 0, pause: float = 0.0) -> None:
        self.seen: list[tuple[str, bytes]] = []
        self.attempts = 0
        self.failures = failures
        self.pause = pause

    async def __call__(self, key: str, payload: bytes) -> None:
        self.attempts += 1
        if self.attempts <= self.failures:
            raise RuntimeError("handler not ready")
        if self.pause:
            await asyncio.sleep(self.pause)
        self.seen.append((key, payload))


@pytest.fixture
async def bus() -> AsyncIterator[InMemoryBus]:
    bus = InMemoryBus(max_attempts=3, retry_base_seconds=0.001)
    yield bus
    await bus.stop()


async def test_every_group_gets_every_record(bus: InMemoryBus) -> None:
    mood, assistant, other_topic = Recorder(), Recorder(), Recorder()
    bus.subscribe(TOPIC, "mood", mood)
    bus.subscribe(TOPIC, "assistant", assistant)
    bus.subscribe("diary.entry.written", "mood", other_topic)
    await bus.start()

    for i in range(3):
        await bus.publish(TOPIC, "chat-1", f"m{i}".encode())
    await bus.join()

    expected = [("chat-1", f"m{i}".encode()) for i in range(3)]
    assert mood.seen == expected
    assert assistant.seen == expected
    assert other_topic.seen == []


async def test_records_of_one_key_are_handled_in_publish_order(bus: InMemoryBus) -> None:
    handler = Recorder(pause=0.0005)
    bus.subscribe(TOPIC, "g", handler)
    await bus.start()

    for i in range(30):
        await bus.publish(TOPIC, f"chat-{i % 3}", str(i).encode())
    await bus.join()

    by_key: dict[str, list[int]] = defaultdict(list)
    for key, payload in handler.seen:
        by_key[key].append(int(payload))
    assert by_key == {f"chat-{k}": list(range(k, 30, 3)) for k in range(3)}


async def test_a_slow_record_does_not_hold_up_other_partitions(bus: InMemoryBus) -> None:
    slow_key, fast_key = "chat-a", "chat-c"
    assert zlib.crc32(slow_key.encode()) % 8 != zlib.crc32(fast_key.encode()) % 8
    release, fast_done = asyncio.Event(), asyncio.Event()
    handled: list[str] = []

    async def handler(key: str, payload: bytes) -> None:
        if key == slow_key:
            await release.wait()
        else:
            fast_done.set()
        handled.append(key)

    bus.subscribe(TOPIC, "assistant", handler)
    await bus.start()
    await bus.publish(TOPIC, slow_key, b"slow")
    await bus.publish(TOPIC, fast_key, b"fast")
    async with asyncio.timeout(2):
        await fast_done.wait()  # while the slow one still waits
    release.set()
    await bus.join()
    assert handled == [fast_key, slow_key]


async def test_records_published_before_start_wait_for_it(bus: InMemoryBus) -> None:
    handler = Recorder()
    bus.subscribe(TOPIC, "g", handler)
    await bus.publish(TOPIC, "k", b"early")

    await bus.start()
    await bus.join()

    assert handler.seen == [("k", b"early")]


async def test_a_group_subscribed_after_start_consumes_too(bus: InMemoryBus) -> None:
    await bus.start()
    handler = Recorder()
    bus.subscribe(TOPIC, "late", handler)

    await bus.publish(TOPIC, "k", b"x")
    await bus.join()

    assert handler.seen == [("k", b"x")]


async def test_a_failing_handler_gets_the_record_again(bus: InMemoryBus) -> None:
    handler = Recorder(failures=2)
    bus.subscribe(TOPIC, "g", handler)
    await bus.start()

    await bus.publish(TOPIC, "k", b"x")
    await bus.join()

    assert (handler.attempts, handler.seen) == (3, [("k", b"x")])


async def test_a_record_that_keeps_failing_is_dead_lettered_and_the_next_one_flows(
    bus: InMemoryBus,
) -> None:
    handler = Recorder(failures=3)
    bus.subscribe(TOPIC, "g", handler)
    await bus.start()

    with capture_logs() as logs:
        await bus.publish(TOPIC, "k", b"poison")
        await bus.publish(TOPIC, "k", b"fine")
        await bus.join()

    assert handler.seen == [("k", b"fine")]
    assert [e["event"] for e in logs].count("bus_handler_failed") == 3
    dead = [e for e in logs if e["event"] == "bus_record_dead_lettered"]
    assert [(e["group"], e["key"]) for e in dead] == [("g", "k")]


async def test_stop_drains_what_was_published(bus: InMemoryBus) -> None:
    handler = Recorder(pause=0.001)
    bus.subscribe(TOPIC, "g", handler)
    await bus.start()
    for i in range(5):
        await bus.publish(TOPIC, "k", str(i).encode())

    await bus.stop()

    assert len(handler.seen) == 5


@pytest.mark.parametrize("url", ["memory://", "memory://anything"])
def test_bus_from_url_memory(url: str) -> None:
    assert isinstance(bus_from_url(url), InMemoryBus)


@pytest.mark.parametrize("url", ["nats://x", "memory:"])
def test_bus_from_url_refuses_unknown_schemes(url: str) -> None:
    with pytest.raises(ValueError, match="HUBBUB_BUS_URL"):
        bus_from_url(url)
