"""The Bus contract, over every adapter: each group gets every record, records of a key in
publish order, acks only after the handler returned (at-least-once), a bounded number of
retries before a record is dead-lettered, and nothing published before a group's consumer
started is lost."""

import asyncio
import inspect
import math
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from structlog.testing import capture_logs

from hubbub.infra.bus import InMemoryBus, bus_from_url
from hubbub.kernel.ports import Bus

MakeBus = Callable[[], Bus]


class Recorder:
    """A handler that records what it handled; it can fail on, or hang on, chosen payloads."""

    def __init__(
        self, *, failures: dict[bytes, float] | None = None, hang_on: bytes | None = None
    ) -> None:
        self.handled: list[tuple[str, bytes]] = []
        self.calls: list[bytes] = []
        self.failures = failures or {}
        self.hang_on = hang_on
        self.hanging = asyncio.Event()

    def attempts(self, payload: bytes) -> int:
        return self.calls.count(payload)

    async def __call__(self, key: str, payload: bytes) -> None:
        self.calls.append(payload)
        if payload == self.hang_on:
            self.hanging.set()
            await asyncio.Event().wait()  # never returns: only cancellation ends it
        if self.attempts(payload) <= self.failures.get(payload, 0):
            raise RuntimeError(f"cannot handle {payload!r} yet")
        self.handled.append((key, payload))


async def until(condition: Callable[[], bool | Awaitable[bool]], *, within: float = 15.0) -> None:
    """Poll `condition` (plain or async) until it holds; fail after `within` seconds."""
    async with asyncio.timeout(within):
        while True:
            holds = condition()
            if await holds if inspect.isawaitable(holds) else holds:
                return
            await asyncio.sleep(0.01)


@pytest.fixture
def engine_cleanup(bus_url: str, request: pytest.FixtureRequest) -> None:
    """Redis keeps the streams: the `redis` fixture deletes the test namespace's keys."""
    if bus_url.startswith("redis"):
        request.getfixturevalue("redis")


@pytest.fixture
async def make_bus(bus_url: str, namespace: str, engine_cleanup: None) -> AsyncIterator[MakeBus]:
    """Builds buses of one deployment (they share the test's namespace); stops them after."""
    made: list[Bus] = []

    def make() -> Bus:
        bus = bus_from_url(bus_url, namespace=namespace)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        await bus.stop()


async def test_records_published_before_start_are_delivered(make_bus: MakeBus) -> None:
    bus, handler = make_bus(), Recorder()
    bus.subscribe("early.topic", "g", handler)
    for i in range(3):
        await bus.publish("early.topic", "chat-1", str(i).encode())

    await bus.start()

    await until(lambda: len(handler.handled) == 3)
    assert handler.handled == [("chat-1", b"0"), ("chat-1", b"1"), ("chat-1", b"2")]


async def test_a_group_subscribed_after_start_consumes_too(make_bus: MakeBus) -> None:
    bus, handler = make_bus(), Recorder()
    await bus.start()

    bus.subscribe("late.topic", "g", handler)
    await bus.publish("late.topic", "chat-1", b"x")

    await until(lambda: len(handler.handled) == 1)
    assert handler.handled == [("chat-1", b"x")]


async def test_records_of_each_key_are_handled_in_publish_order(make_bus: MakeBus) -> None:
    bus, handler = make_bus(), Recorder()
    bus.subscribe("order.topic", "g", handler)
    await bus.start()
    keys = [f"chat-{k}" for k in range(5)]

    for i in range(40):
        for key in keys:  # interleaved: chat-0/0, chat-1/0, ..., chat-0/1, ...
            await bus.publish("order.topic", key, str(i).encode())

    await until(lambda: len(handler.handled) >= 200)
    by_key: dict[str, list[int]] = defaultdict(list)
    for key, payload in handler.handled:
        by_key[key].append(int(payload))
    assert by_key == {key: list(range(40)) for key in keys}


async def test_a_batch_publish_keeps_each_keys_order_across_topics(make_bus: MakeBus) -> None:
    bus, first, second = make_bus(), Recorder(), Recorder()
    bus.subscribe("batch.one", "g", first)
    bus.subscribe("batch.two", "g", second)
    await bus.start()
    records = [
        (f"batch.{'one' if i % 4 else 'two'}", f"chat-{i % 3}", str(i).encode()) for i in range(60)
    ]

    await bus.publish_many(records)
    await bus.publish_many([])

    await until(lambda: len(first.handled) + len(second.handled) >= 60)
    for topic, recorder in (("batch.one", first), ("batch.two", second)):
        expected: dict[str, list[bytes]] = defaultdict(list)
        for record_topic, key, payload in records:
            if record_topic == topic:
                expected[key].append(payload)
        got: dict[str, list[bytes]] = defaultdict(list)
        for key, payload in recorder.handled:
            got[key].append(payload)
        assert got == expected


async def test_every_group_gets_every_record(make_bus: MakeBus) -> None:
    bus = make_bus()
    mood, assistant, other_topic = Recorder(), Recorder(), Recorder()
    bus.subscribe("groups.topic", "mood", mood)
    bus.subscribe("groups.topic", "assistant", assistant)
    bus.subscribe("groups.other", "mood", other_topic)
    await bus.start()

    published = [(f"chat-{i % 3}", str(i).encode()) for i in range(12)]
    for key, payload in published:
        await bus.publish("groups.topic", key, payload)

    await until(lambda: len(mood.handled) == len(assistant.handled) == 12)
    assert sorted(mood.handled) == sorted(assistant.handled) == sorted(published)
    assert other_topic.calls == []


async def test_a_failing_record_is_retried_before_later_records_of_its_key(
    make_bus: MakeBus,
) -> None:
    bus, handler = make_bus(), Recorder(failures={b"a1": 2})
    bus.subscribe("retry.topic", "g", handler)
    await bus.start()

    await bus.publish("retry.topic", "chat-a", b"a1")
    await bus.publish("retry.topic", "chat-a", b"a2")

    await until(lambda: len(handler.handled) == 2)
    assert handler.attempts(b"a1") == 3
    assert handler.handled == [("chat-a", b"a1"), ("chat-a", b"a2")]
    # a2 was not even tried while a1 was still failing
    assert handler.calls == [b"a1", b"a1", b"a1", b"a2"]


async def test_a_record_that_keeps_failing_is_dead_lettered_and_its_key_moves_on(
    make_bus: MakeBus,
) -> None:
    bus, handler = make_bus(), Recorder(failures={b"poison": math.inf})
    bus.subscribe("poison.topic", "g", handler)
    await bus.start()

    with capture_logs() as logs:
        await bus.publish("poison.topic", "chat-p", b"poison")
        await bus.publish("poison.topic", "chat-p", b"fine")
        await until(lambda: len(handler.handled) == 1)
        attempts = handler.attempts(b"poison")
        await asyncio.sleep(0.2)  # long enough for a further retry to have shown up

    assert handler.handled == [("chat-p", b"fine")]
    assert 2 <= attempts <= 10
    assert handler.attempts(b"poison") == attempts  # given up on, not retried any more
    dead = [e for e in logs if e["event"] == "bus_record_dead_lettered"]
    assert [(e["group"], e["key"]) for e in dead] == [("g", "chat-p")]


async def test_a_record_not_handled_before_stop_goes_to_the_next_consumer_of_the_group(
    make_bus: MakeBus,
) -> None:
    first = make_bus()
    if isinstance(first, InMemoryBus):
        pytest.skip("the in-memory bus lives and dies with its process: nothing to hand over")
    hung = Recorder(hang_on=b"stuck")
    first.subscribe("handover.topic", "g", hung)
    await first.start()
    for payload in (b"done", b"stuck", b"after"):
        await first.publish("handover.topic", "chat-h", payload)
    await until(lambda: hung.hanging.is_set())

    async with asyncio.timeout(30):
        await first.stop()  # bounded, although the handler never returns
    second, handler = make_bus(), Recorder()
    second.subscribe("handover.topic", "g", handler)
    await second.start()

    # Generous: a Kafka group coordinator may wait out the old member's session first.
    await until(lambda: len(handler.handled) >= 2, within=45)
    # "done" was acked when its handler returned: only what was not handled comes again
    assert hung.handled == [("chat-h", b"done")]
    assert handler.handled == [("chat-h", b"stuck"), ("chat-h", b"after")]


async def test_ping_answers(make_bus: MakeBus) -> None:
    bus = make_bus()
    await bus.start()

    assert await bus.ping() is True
