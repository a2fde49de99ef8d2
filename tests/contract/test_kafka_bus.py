"""What only the Kafka bus has to prove, against a real (Tansu) broker: per-key order across
partitions, a group split over members, a clean handover when a rebalance hits mid-batch,
redelivery after a member dies uncommitted, resuming from committed offsets, dead letters,
and surviving a broker that is not there yet.

The generic behaviour every bus shares is in test_bus_contract.py.
"""

import asyncio
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer  # type: ignore[import-untyped]
from aiokafka.errors import KafkaError  # type: ignore[import-untyped]
from structlog.testing import capture_logs
from tansu_broker import TANSU_CONSUMER_TUNING, TansuBroker, free_port

from hubbub.infra.bus.kafka import KafkaBus
from hubbub.kernel.ports import BusHandler

TOPIC = "chat.message.persisted"
Received = list[tuple[str, bytes]]


def make_bus(bootstrap: str, namespace: str, **options: Any) -> KafkaBus:
    return KafkaBus(
        bootstrap,
        namespace=namespace,
        partitions=4,
        session_timeout_ms=TANSU_CONSUMER_TUNING["session_timeout_ms"],
        heartbeat_interval_ms=TANSU_CONSUMER_TUNING["heartbeat_interval_ms"],
        **options,
    )


def recorder(into: Received) -> BusHandler:
    async def handle(key: str, payload: bytes) -> None:
        into.append((key, payload))

    return handle


async def wait_until(condition: Callable[[], bool], within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {within}s")
        await asyncio.sleep(0.05)


@asynccontextmanager
async def running(bus: KafkaBus) -> AsyncIterator[KafkaBus]:
    await bus.start()
    try:
        yield bus
    finally:
        await bus.stop()


async def test_records_of_each_key_arrive_in_publish_order(
    kafka_bootstrap: str, namespace: str
) -> None:
    received: Received = []
    bus = make_bus(kafka_bootstrap, namespace)
    bus.subscribe(TOPIC, "ordering", recorder(received))
    async with running(bus):
        sent = [(f"chat-{i % 5}", f"{i}".encode()) for i in range(100)]
        for key, payload in sent:
            await bus.publish(TOPIC, key, payload)
        await wait_until(lambda: len(received) >= len(sent))

    assert sorted(received) == sorted(sent)
    for key in {k for k, _ in sent}:
        assert [p for k, p in received if k == key] == [p for k, p in sent if k == key]


async def test_two_members_of_a_group_split_the_partitions(
    kafka_bootstrap: str, namespace: str
) -> None:
    by_member: dict[str, Received] = {"a": [], "b": []}
    members = [make_bus(kafka_bootstrap, namespace) for _ in by_member]
    for bus, into in zip(members, by_member.values(), strict=True):
        bus.subscribe(TOPIC, "split", recorder(into))
    async with running(members[0]) as publisher, running(members[1]):
        # Probe until both members handle records: the group has settled on two members.
        probe = 0
        while not all(by_member.values()):
            await publisher.publish(TOPIC, f"probe-{probe}", b"probe")
            probe += 1
            await asyncio.sleep(0.1)
            assert probe < 300, "the group never gave both members partitions"
        for received in by_member.values():
            received.clear()

        sent = [(f"chat-{i % 16}", f"{i}".encode()) for i in range(64)]
        for key, payload in sent:
            await publisher.publish(TOPIC, key, payload)
        await wait_until(lambda: sum(len(r) for r in by_member.values()) >= len(sent))

    handled = by_member["a"] + by_member["b"]
    assert sorted(handled) == sorted(sent)  # every record once, none twice
    keys_of = {member: {k for k, _ in received} for member, received in by_member.items()}
    assert keys_of["a"] and keys_of["b"]
    assert not keys_of["a"] & keys_of["b"]  # a key (its partition) belongs to one member


# A group member in its own process whose handler reports a record and then never returns,
# so the record is never committed. The test kills it with SIGKILL; should the test itself
# die, the member exits when its stdin closes.
DOOMED_MEMBER = """
import asyncio, os, sys, threading
from hubbub.infra.bus.kafka import KafkaBus

threading.Thread(target=lambda: (sys.stdin.read(), os._exit(1)), daemon=True).start()

async def main(bootstrap, namespace, topic, group, session_ms, heartbeat_ms):
    bus = KafkaBus(bootstrap, namespace=namespace, partitions=4,
                   session_timeout_ms=int(session_ms), heartbeat_interval_ms=int(heartbeat_ms))

    async def handle(key, payload):
        print("HANDLING", key, flush=True)
        await asyncio.Event().wait()

    bus.subscribe(topic, group, handle)
    await bus.start()
    await asyncio.Event().wait()

asyncio.run(main(*sys.argv[1:]))
"""


async def first_handled_key(member: asyncio.subprocess.Process) -> str:
    assert member.stdout is not None
    async for line in member.stdout:
        if line.startswith(b"HANDLING "):
            return line.decode().split()[1]
    raise AssertionError("the doomed member exited")


async def test_records_of_a_member_killed_before_commit_go_to_the_survivor(
    kafka_bootstrap: str, namespace: str
) -> None:
    survivor_got: Received = []
    survivor = make_bus(kafka_bootstrap, namespace)
    survivor.subscribe(TOPIC, "crash", recorder(survivor_got))
    async with running(survivor):
        doomed = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            DOOMED_MEMBER,
            kafka_bootstrap,
            namespace,
            TOPIC,
            "crash",
            str(TANSU_CONSUMER_TUNING["session_timeout_ms"]),
            str(TANSU_CONSUMER_TUNING["heartbeat_interval_ms"]),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        try:
            stuck = asyncio.ensure_future(first_handled_key(doomed))
            probe = 0
            while not stuck.done():  # until the doomed member holds a record
                await survivor.publish(TOPIC, f"probe-{probe}", b"probe")
                probe += 1
                await asyncio.wait({stuck}, timeout=0.1)
                assert probe < 300, "the doomed member never got a partition"
            stuck_key = stuck.result()
            assert stuck_key not in {k for k, _ in survivor_got}
        finally:
            doomed.kill()
            await doomed.wait()

        # The dead member's session times out, the group rebalances, and the survivor
        # starts the member's partitions from their last commit: the stuck record included.
        every_probe = {f"probe-{i}" for i in range(probe)}
        await wait_until(lambda: {k for k, _ in survivor_got} == every_probe, within=30)

    # What the survivor handled (and committed) before the member joined is not handled again.
    assert len(survivor_got) == probe


async def test_a_rebalance_mid_batch_hands_over_right_after_the_last_handled_record(
    kafka_bootstrap: str, namespace: str
) -> None:
    handled: Received = []  # by either member

    async def slowly(key: str, payload: bytes) -> None:
        await asyncio.sleep(0.05)
        handled.append((key, payload))

    first, second = make_bus(kafka_bootstrap, namespace), make_bus(kafka_bootstrap, namespace)
    for member in (first, second):
        member.subscribe(TOPIC, "handover", slowly)
    sent = [("chat-1", f"{i}".encode()) for i in range(80)]  # one key: one partition, one batch
    async with running(first):
        for key, payload in sent:
            await first.publish(TOPIC, key, payload)
        await wait_until(lambda: len(handled) >= 3)
        async with running(second):  # joining makes the group revoke the batch in flight
            assert len(handled) < len(sent)
            await wait_until(lambda: len(handled) >= len(sent))

    # The revoked member committed exactly what it had handled and dropped the rest of its
    # batch, so whoever got the partition went on from there: each record once, in order.
    assert handled == sent


async def test_a_restarted_member_resumes_after_the_committed_records(
    kafka_bootstrap: str, namespace: str
) -> None:
    publisher = make_bus(kafka_bootstrap, namespace)
    async with running(publisher):
        first: Received = []
        bus = make_bus(kafka_bootstrap, namespace)
        bus.subscribe(TOPIC, "resume", recorder(first))
        async with running(bus):
            for i in range(6):
                await publisher.publish(TOPIC, f"chat-{i % 2}", f"old-{i}".encode())
            await wait_until(lambda: len(first) == 6)

        newer = [(f"chat-{i % 2}", f"new-{i}".encode()) for i in range(4)]
        for key, payload in newer:
            await publisher.publish(TOPIC, key, payload)
        second: Received = []
        restarted = make_bus(kafka_bootstrap, namespace)
        restarted.subscribe(TOPIC, "resume", recorder(second))
        async with running(restarted):
            await wait_until(lambda: len(second) >= len(newer))

    # Each key lives in one partition, so an old record redelivered would have come first.
    assert sorted(second) == sorted(newer)
    for key in ("chat-0", "chat-1"):
        assert [p for k, p in second if k == key] == [p for k, p in newer if k == key]


async def test_a_record_that_keeps_failing_is_dead_lettered_and_the_key_moves_on(
    kafka_bootstrap: str, namespace: str
) -> None:
    handled: Received = []

    async def handle(key: str, payload: bytes) -> None:
        if payload == b"poison":
            raise ValueError("cannot digest")
        handled.append((key, payload))

    bus = make_bus(kafka_bootstrap, namespace, max_attempts=3, retry_base_seconds=0.01)
    bus.subscribe(TOPIC, "digest", handle)
    with capture_logs() as logs:
        async with running(bus):
            for payload in (b"before", b"poison", b"after"):
                await bus.publish(TOPIC, "chat-1", payload)
            await wait_until(lambda: len(handled) == 2)

    assert handled == [("chat-1", b"before"), ("chat-1", b"after")]
    failures = [e for e in logs if e["event"] == "bus_handler_failed"]
    assert [e["attempt"] for e in failures] == [1, 2, 3]
    assert [e["key"] for e in logs if e["event"] == "bus_record_dead_lettered"] == ["chat-1"]

    dead = AIOKafkaConsumer(
        f"{namespace}.{TOPIC}.dead", bootstrap_servers=kafka_bootstrap, auto_offset_reset="earliest"
    )
    await dead.start()
    try:
        record = await asyncio.wait_for(dead.getone(), timeout=10)
    finally:
        await dead.stop()
    assert (record.key, record.value) == (b"chat-1", b"poison")
    headers = dict(record.headers)
    assert headers["hubbub-group"] == b"digest"
    assert b"cannot digest" in headers["hubbub-error"]


async def test_a_bus_started_before_its_broker_catches_up_once_it_is_there(
    namespace: str,
) -> None:
    broker = TansuBroker(free_port())
    received: Received = []
    bus = make_bus(broker.bootstrap, namespace, request_timeout_ms=2000)
    bus.subscribe(TOPIC, "patient", recorder(received))
    with capture_logs() as logs:
        # Starting without a broker neither raises nor hangs; nor does stopping after it left.
        async with running(bus):
            assert not await bus.ping()
            with pytest.raises(KafkaError):  # the outbox relay keeps the row and retries
                await bus.publish(TOPIC, "chat-1", b"too early")
            await asyncio.sleep(1)  # the consumer retries with backoff meanwhile

            with broker:
                assert await bus.ping()
                await bus.publish(TOPIC, "chat-1", b"on time")
                await wait_until(lambda: received == [("chat-1", b"on time")], within=30)

    retries = [e for e in logs if e["event"] == "bus_consumer_failed"]
    assert 1 <= len(retries) <= 3  # backed off, not a busy loop
