"""What the Redis Streams bus adds to the contract: groups that start at the beginning of the
streams, partitions leased and shared among the consumers of a group, a dead consumer's
pending entries taken over before anything newer, batched acks, a dead-letter stream, a
prompt stop, and a consumer that outlives a Redis outage."""

import asyncio
import math
import sys
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import REGISTRY
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from structlog.testing import capture_logs
from test_bus_contract import Recorder, until

from hubbub.infra.bus import KafkaBus, RedisStreamsBus, bus_from_url
from hubbub.infra.bus.redis_streams import partition_of
from local_redis import SHARED_REDIS_URL as REDIS_URL
from local_redis import LocalRedis, free_port

TOPIC = "chat.message.persisted"
MakeBus = Callable[..., RedisStreamsBus]


@pytest.fixture
async def make_bus(namespace: str, redis: Redis) -> AsyncIterator[MakeBus]:
    """Buses of one deployment on the shared Redis, with short leases so tests are quick."""
    made: list[RedisStreamsBus] = []

    def make(**options: Any) -> RedisStreamsBus:
        options = {"lease_seconds": 1.0, "retry_base_seconds": 0.01, **options}
        bus = RedisStreamsBus(REDIS_URL, namespace=namespace, **options)
        made.append(bus)
        return bus

    yield make
    for bus in made:
        await bus.stop()


def lease_keys(namespace: str, group: str, partitions: int) -> list[str]:
    return [f"{namespace}:bus-lease:{TOPIC}:{group}:{p}" for p in range(partitions)]


async def owners(redis: Redis, namespace: str, group: str, partitions: int = 8) -> list[str]:
    """Who holds each partition's lease ("" for nobody)."""
    values = await redis.mget(lease_keys(namespace, group, partitions))
    return [value.decode() if isinstance(value, bytes) else "" for value in values]


async def until_owned(
    redis: Redis, namespace: str, group: str, expected: dict[str, int], partitions: int = 8
) -> None:
    async def owned_as_expected() -> bool:
        return Counter(await owners(redis, namespace, group, partitions)) == expected

    await until(owned_as_expected)


def nothing_pending(redis: Redis, stream: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return bool((await redis.xpending(stream, "g"))["pending"] == 0)

    return check


async def test_a_new_group_starts_at_the_beginning_of_the_streams(
    make_bus: MakeBus, redis: Redis, namespace: str
) -> None:
    publisher = make_bus()
    published = [(f"chat-{i}", str(i).encode()) for i in range(6)]
    for key, payload in published:
        await publisher.publish(TOPIC, key, payload)
    first_stream = publisher.stream(TOPIC, partition_of("chat-0", 8))
    assert await redis.xinfo_groups(first_stream) == []  # no group existed when they came

    async def consume_as(group: str) -> list[tuple[str, bytes]]:
        consumer, handler = make_bus(), Recorder()
        consumer.subscribe(TOPIC, group, handler)
        await consumer.start()
        await until(lambda: len(handler.handled) == len(published))
        return sorted(handler.handled)

    assert await consume_as("mood") == published
    assert await consume_as("assistant") == published  # a group created after one ran


async def test_two_consumers_split_the_partitions_and_handle_each_record_once(
    make_bus: MakeBus, redis: Redis, namespace: str
) -> None:
    a, b = make_bus(consumer="a"), make_bus(consumer="b")
    got_a, got_b = Recorder(), Recorder()
    a.subscribe(TOPIC, "g", got_a)
    await a.start()
    await until_owned(redis, namespace, "g", {"a": 8})
    b.subscribe(TOPIC, "g", got_b)
    await b.start()
    await until_owned(redis, namespace, "g", {"a": 4, "b": 4})

    keys = [f"chat-{k}" for k in range(40)]
    assert {partition_of(key, 8) for key in keys} == set(range(8))
    for i in range(5):
        for key in keys:
            await a.publish(TOPIC, key, str(i).encode())

    await until(lambda: len(got_a.handled) + len(got_b.handled) >= 200)
    await asyncio.sleep(0.1)  # any duplicate would show up by now
    assert Counter(got_a.handled + got_b.handled) == Counter(
        (key, str(i).encode()) for key in keys for i in range(5)
    )
    assert got_a.handled and got_b.handled
    for handled in (got_a.handled, got_b.handled):
        by_key: dict[str, list[int]] = defaultdict(list)
        for key, payload in handled:
            by_key[key].append(int(payload))
        assert all(sequence == list(range(5)) for sequence in by_key.values())

    await b.stop()  # leaves the group: a takes b's partitions at once, not at lease expiry
    await until_owned(redis, namespace, "g", {"a": 8})
    await b.publish(TOPIC, "chat-0", b"after")
    await until(lambda: ("chat-0", b"after") in got_a.handled)


# A consumer process that takes every partition, then hangs in its handler until killed.
DOOMED_CONSUMER = """
import asyncio, sys
from hubbub.infra.bus import KafkaBus, RedisStreamsBus, bus_from_url

async def main(url, namespace, topic):
    bus = RedisStreamsBus(url, namespace=namespace, partitions=2, consumer="doomed",
                          lease_seconds=1.0)
    async def hang(key, payload):
        await bus.redis.set(f"{namespace}:doomed-handling", payload)
        await asyncio.Event().wait()
    bus.subscribe(topic, "g", hang)
    await bus.start()
    await asyncio.Event().wait()

asyncio.run(main(*sys.argv[1:]))
"""


async def test_a_dead_consumers_pending_entries_are_taken_over_before_newer_ones(
    make_bus: MakeBus, redis: Redis, namespace: str
) -> None:
    publisher = make_bus(partitions=2)
    for i in range(5):
        await publisher.publish(TOPIC, "chat-k", f"r{i}".encode())
    stream = publisher.stream(TOPIC, partition_of("chat-k", 2))
    doomed = await asyncio.create_subprocess_exec(
        sys.executable, "-c", DOOMED_CONSUMER, REDIS_URL, namespace, TOPIC
    )
    try:

        async def doomed_is_handling_r0() -> bool:
            return await redis.get(f"{namespace}:doomed-handling") == b"r0"

        await until(doomed_is_handling_r0)
        pending = await redis.xpending(stream, "g")
        assert pending["consumers"] == [{"name": b"doomed", "pending": 5}]

        survivor, handler = make_bus(partitions=2, consumer="survivor"), Recorder()
        survivor.subscribe(TOPIC, "g", handler)
        await survivor.start()
    finally:
        doomed.kill()
        await doomed.wait()
    await publisher.publish(TOPIC, "chat-k", b"r5")

    await until(lambda: len(handler.handled) >= 6)
    assert handler.handled == [("chat-k", f"r{i}".encode()) for i in range(6)]
    assert await owners(redis, namespace, "g", partitions=2) == ["survivor", "survivor"]
    await until(nothing_pending(redis, stream))
    # the dead consumer, left with nothing pending, was removed from the group
    assert [c["name"] for c in await redis.xinfo_consumers(stream, "g")] == [b"survivor"]


async def test_acks_go_in_one_batch_after_the_handlers_returned(
    make_bus: MakeBus, redis: Redis
) -> None:
    bus = make_bus(partitions=1)
    stream = bus.stream(TOPIC, 0)
    pending_while_handling: list[int] = []

    async def handler(key: str, payload: bytes) -> None:
        pending_while_handling.append((await redis.xpending(stream, "g"))["pending"])

    for i in range(10):
        await bus.publish(TOPIC, f"chat-{i}", b"x")
    bus.subscribe(TOPIC, "g", handler)
    await bus.start()

    await until(lambda: len(pending_while_handling) == 10)
    await until(nothing_pending(redis, stream))
    # all ten read in one batch, none acked until the last handler returned, then all acked
    assert pending_while_handling == [10] * 10


async def test_a_record_that_keeps_failing_goes_to_the_dead_letter_stream(
    make_bus: MakeBus, redis: Redis, namespace: str
) -> None:
    bus, handler = make_bus(max_attempts=3), Recorder(failures={b"poison": math.inf})
    bus.subscribe(TOPIC, "g", handler)
    labels = {"topic": TOPIC, "group": "g"}
    before = REGISTRY.get_sample_value("hubbub_bus_dead_lettered_total", labels) or 0.0
    await bus.start()

    await bus.publish(TOPIC, "chat-p", b"poison")
    await bus.publish(TOPIC, "chat-p", b"fine")

    await until(lambda: handler.handled == [("chat-p", b"fine")])
    assert handler.attempts(b"poison") == 3
    dead_letters = await redis.xrange(f"{namespace}:bus-dead:{TOPIC}")
    assert dead_letters is not None and len(dead_letters) == 1
    _, dead = dead_letters[0]
    assert dead is not None
    assert (dead[b"k"], dead[b"v"], dead[b"group"]) == (b"chat-p", b"poison", b"g")
    assert b"RuntimeError" in dead[b"error"]
    assert REGISTRY.get_sample_value("hubbub_bus_dead_lettered_total", labels) == before + 1


async def test_stop_returns_promptly_and_leaves_the_group(
    make_bus: MakeBus, redis: Redis, namespace: str
) -> None:
    bus = make_bus(block_ms=10_000, consumer="c")
    bus.subscribe(TOPIC, "g", Recorder())
    await bus.start()
    await until_owned(redis, namespace, "g", {"c": 8})

    started = time.monotonic()
    await bus.stop()

    assert time.monotonic() - started < 1.0  # not the 10 s a blocked read would take
    assert await owners(redis, namespace, "g") == [""] * 8
    assert await redis.zcard(f"{namespace}:bus-members:{TOPIC}:g") == 0


async def test_without_redis_publish_raises_ping_fails_and_consumers_wait() -> None:
    bus = RedisStreamsBus(f"redis://127.0.0.1:{free_port()}/0", lease_seconds=0.6)
    bus.subscribe(TOPIC, "g", Recorder())
    try:
        with capture_logs() as logs:
            await bus.start()
            assert await bus.ping() is False
            with pytest.raises(RedisConnectionError):
                await bus.publish(TOPIC, "chat-1", b"x")
            await asyncio.sleep(0.5)
    finally:
        started = time.monotonic()
        await bus.stop()
        assert time.monotonic() - started < 1.0
    failures = [e for e in logs if e["event"] == "bus_coordination_failed"]
    assert 2 <= len(failures) <= 6  # it keeps trying, with backoff, not in a busy loop


async def test_consumers_carry_on_after_a_redis_restart(tmp_path: Path) -> None:
    with LocalRedis(tmp_path) as server:
        bus = RedisStreamsBus(server.url, lease_seconds=0.6, partitions=2)
        handler = Recorder()
        bus.subscribe(TOPIC, "g", handler)
        try:
            await bus.start()
            await bus.publish(TOPIC, "chat-1", b"before")
            await until(lambda: len(handler.handled) == 1)

            server.stop()  # and it comes back empty: no streams, groups or leases
            with pytest.raises(RedisConnectionError):
                await bus.publish(TOPIC, "chat-1", b"lost")
            server.start()

            async with asyncio.timeout(15):
                while True:
                    try:
                        await bus.publish(TOPIC, "chat-1", b"after")
                        break
                    except RedisConnectionError:
                        await asyncio.sleep(0.05)
            await until(lambda: len(handler.handled) == 2)
            assert handler.handled == [("chat-1", b"before"), ("chat-1", b"after")]
        finally:
            await bus.stop()


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://cache.example:6380/1"])
async def test_bus_from_url_builds_a_redis_streams_bus(url: str) -> None:
    bus = bus_from_url(url, namespace="ns", partitions=4)

    assert isinstance(bus, RedisStreamsBus)
    assert (bus.namespace, bus.tuning.partitions) == ("ns", 4)
    await bus.stop()


def test_bus_from_url_builds_the_broker_bus_for_a_list_of_brokers() -> None:
    bus = bus_from_url("kafka://k1:9092,k2:9092", namespace="ns")

    assert isinstance(bus, KafkaBus)
    assert bus.namespace == "ns"


@pytest.mark.parametrize("url", ["nats://x", "127.0.0.1:6379"], ids=["unknown", "no-scheme"])
def test_bus_from_url_names_the_supported_schemes_when_it_refuses(url: str) -> None:
    with pytest.raises(ValueError, match="supported: memory://, redis://, rediss://, kafka://"):
        bus_from_url(url)


def test_bus_from_url_refuses_a_broker_url_without_brokers() -> None:
    with pytest.raises(ValueError, match="names no broker"):
        bus_from_url("kafka://")


def test_a_broker_url_may_tune_the_consumers() -> None:
    bus = bus_from_url("kafka://k1:9092?session_timeout_ms=3000&stop_timeout_seconds=1.5")

    assert isinstance(bus, KafkaBus)


@pytest.mark.parametrize(
    ("query", "error"),
    [("linger=5", "unknown HUBBUB_BUS_URL option 'linger'"), ("session_timeout_ms=x", "number")],
)
def test_a_broker_url_with_a_bad_option_is_refused(query: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        bus_from_url(f"kafka://k1:9092?{query}")
