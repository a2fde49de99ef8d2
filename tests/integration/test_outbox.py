"""The transactional outbox: rows written with the messages, relayed in order, at least once."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import asyncpg
import orjson
import pytest
from integration_db import open_database
from prometheus_client import REGISTRY
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from hubbub.contexts.messages import MessagePosted
from hubbub.contexts.messages.model import Draft
from hubbub.contexts.messages.store import SqlMessageStore, heads, messages
from hubbub.infra.bus import InMemoryBus
from hubbub.infra.db import Database
from hubbub.infra.db.outbox import OutboxRelay, outbox
from hubbub.kernel.fakes import FixedClock
from hubbub.kernel.ids import new_id

NOW = FixedClock().now()
ALICE = new_id()
CHAT = new_id()


class Consumer:
    """A bus consumer group that records the MessagePosted events it handles."""

    def __init__(self, bus: InMemoryBus) -> None:
        self.events: list[MessagePosted] = []
        self.keys: list[str] = []
        self.arrived = asyncio.Event()
        bus.subscribe(MessagePosted.topic, "test", self.handle)

    async def handle(self, key: str, payload: bytes) -> None:
        event = MessagePosted.from_payload(orjson.loads(payload))
        assert isinstance(event, MessagePosted)
        self.keys.append(key)
        self.events.append(event)
        self.arrived.set()

    def texts(self) -> list[str]:
        return [e.text for e in self.events]


class FlakyBus(InMemoryBus):
    """Refuses its `fail_at`-th publish, as a broker that went away mid-batch would."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.fail_at = fail_at
        self.calls = 0

    async def publish(self, topic: str, key: str, payload: bytes) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            raise ConnectionError("broker unavailable")
        await super().publish(topic, key, payload)


class SlowAckBus(InMemoryBus):
    """Accepts its first record, then takes its time to acknowledge it."""

    def __init__(self) -> None:
        super().__init__()
        self.acking = asyncio.Event()
        self.ack = asyncio.Event()

    async def publish(self, topic: str, key: str, payload: bytes) -> None:
        await super().publish(topic, key, payload)
        if not self.acking.is_set():
            self.acking.set()
            await self.ack.wait()


@pytest.fixture
async def bus() -> AsyncIterator[InMemoryBus]:
    bus = InMemoryBus()
    yield bus
    await bus.stop()


async def post(db: Database, *texts: str, request_id: str | None = None) -> None:
    drafts = [Draft(CHAT, ALICE, text, request_id, ai_generated=False) for text in texts]
    await SqlMessageStore(db).append(drafts, NOW)


async def outbox_size(db: Database) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(outbox))).scalar_one())


async def test_each_new_message_writes_one_outbox_row_in_its_transaction(db: Database) -> None:
    await post(db, "a", "b")
    await post(db, "b again", request_id=None)
    await post(db, "c", request_id="r-1")
    await post(db, "c retried", request_id="r-1")  # a duplicate: no new event

    async with db.read() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()

    events = [MessagePosted.from_payload(orjson.loads(r.payload)) for r in rows]
    assert [(r.topic, r.key) for r in rows] == [(MessagePosted.topic, str(CHAT))] * 4
    assert [(e.seq, e.text) for e in events] == [(1, "a"), (2, "b"), (3, "b again"), (4, "c")]


async def test_a_failed_message_transaction_leaves_no_outbox_row(db: Database) -> None:
    async with db.write() as conn:  # a seq 1 the head does not know about: append must fail
        await conn.execute(insert(messages), _message_row(seq=1, request_id=None))

    with pytest.raises((IntegrityError, asyncpg.IntegrityConstraintViolationError)):
        await post(db, "doomed")

    assert await outbox_size(db) == 0
    async with db.read() as conn:
        assert (await conn.execute(select(func.count()).select_from(heads))).scalar_one() == 0


async def test_the_relay_moves_rows_to_the_bus_in_order_and_deletes_them(
    db: Database, bus: InMemoryBus
) -> None:
    consumer = Consumer(bus)
    await bus.start()
    await post(db, *(f"m{i}" for i in range(1, 8)))

    moved = await OutboxRelay(db, bus, batch_size=3).relay_pending()
    await bus.join()

    assert moved == 7
    assert consumer.texts() == [f"m{i}" for i in range(1, 8)]
    assert consumer.keys == [str(CHAT)] * 7
    assert await outbox_size(db) == 0


async def test_the_relay_reports_how_long_the_oldest_event_waited_for_the_bus(
    db: Database, bus: InMemoryBus
) -> None:
    await bus.start()
    async with db.write() as conn:  # an event committed a minute ago, never relayed
        row = {"topic": "chat.invite", "key": "k", "payload": b"{}"}
        await conn.execute(insert(outbox), [{**row, "created_at": FixedClock().now()}])
    relay = OutboxRelay(db, bus)

    await relay.relay_pending()
    waited = REGISTRY.get_sample_value("hubbub_outbox_lag_seconds")
    assert waited is not None and waited > 60  # FixedClock's now is long past

    await relay.relay_pending()  # nothing waits any more
    assert REGISTRY.get_sample_value("hubbub_outbox_lag_seconds") == 0.0


async def test_rows_left_by_a_stopped_relay_are_relayed_after_a_restart(
    db: Database, db_url: str, bus: InMemoryBus
) -> None:
    first = OutboxRelay(db, bus)
    first.start()
    await first.stop()
    await post(db, "while", "down")  # committed with no relay running
    await db.dispose()

    restarted = Database(db_url)
    consumer = Consumer(bus)
    await bus.start()
    relay = OutboxRelay(restarted, bus, poll_seconds=30)
    relay.start()
    try:
        await _until_empty(restarted)
    finally:
        await _stop(relay)
        await restarted.dispose()

    assert consumer.texts() == ["while", "down"]


async def test_a_relay_that_fails_mid_batch_republishes_everything_unacknowledged(
    db: Database,
) -> None:
    flaky = FlakyBus(fail_at=2)
    consumer = Consumer(flaky)
    await flaky.start()
    await post(db, "one", "two", "three")

    with pytest.raises(ConnectionError):
        await OutboxRelay(db, flaky).relay_pending()
    assert await outbox_size(db) == 3  # nothing was deleted
    moved = await OutboxRelay(db, flaky).relay_pending()
    await flaky.join()
    await flaky.stop()

    assert moved == 3
    assert consumer.texts() == ["one", "one", "two", "three"]  # at least once, in order


async def test_the_relay_wakes_on_commit_instead_of_waiting_for_its_poll(
    db: Database, bus: InMemoryBus
) -> None:
    consumer = Consumer(bus)
    await bus.start()
    relay = OutboxRelay(db, bus, poll_seconds=60)
    relay.start()
    try:
        await asyncio.sleep(0.05)  # the first, empty pass is over; it now sleeps
        await post(db, "wake up")
        await asyncio.wait_for(consumer.arrived.wait(), timeout=5)
        await _until_empty(db)
    finally:
        await _stop(relay)

    assert consumer.texts() == ["wake up"]


async def test_stop_relays_what_was_committed_just_before_it_and_returns(
    db: Database, bus: InMemoryBus
) -> None:
    consumer = Consumer(bus)
    await bus.start()
    relay = OutboxRelay(db, bus, poll_seconds=60)
    relay.start()
    await asyncio.sleep(0.05)  # idle, waiting for a commit
    await post(db, "last words")  # the commit wakes the relay ...

    await _stop(relay)  # ... and shutdown begins at once (as Container.stop does)
    await bus.join()

    assert consumer.texts() == ["last words"]
    assert await outbox_size(db) == 0


async def test_a_graceful_stop_finishes_the_batch_in_flight_without_republishing(
    db: Database,
) -> None:
    bus = SlowAckBus()
    consumer = Consumer(bus)
    await bus.start()
    relay = OutboxRelay(db, bus, poll_seconds=60)
    relay.start()
    await post(db, "in flight")
    await asyncio.wait_for(bus.acking.wait(), timeout=5)

    stopping = asyncio.create_task(_stop(relay))
    await asyncio.sleep(0.01)
    bus.ack.set()
    await stopping
    await bus.join()
    await bus.stop()

    assert consumer.texts() == ["in flight"]
    assert await outbox_size(db) == 0


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("texts", "created"),
    [(["retry"], [False]), (["retry", "fresh"], [False, True])],
    ids=["alone", "in-a-batch"],
)
async def test_a_retry_racing_its_original_from_another_process_gets_the_original(
    postgres_database: str, texts: list[str], created: list[bool]
) -> None:
    async with open_database(postgres_database) as original_side:
        other_process = Database(postgres_database)
        drafts = [
            Draft(CHAT, ALICE, text, "r-1" if i == 0 else None, ai_generated=False)
            for i, text in enumerate(texts)
        ]
        try:
            async with original_side.write() as conn:
                row = _message_row(seq=1, request_id="r-1")
                await conn.execute(insert(messages), row)
                await conn.execute(insert(heads), {"chat_id": CHAT, "last_seq": 1})
                # The retry starts before the original commits, and waits on its head row.
                retry = asyncio.create_task(SqlMessageStore(other_process).append(drafts, NOW))
                await asyncio.sleep(0.3)
            results = await retry
        finally:
            await other_process.dispose()

    assert [c for _, c in results] == created
    assert (results[0][0].id, results[0][0].seq) == (row["id"], 1)
    assert [v.seq for v, _ in results[1:]] == [2] * (len(texts) - 1)


def _message_row(*, seq: int, request_id: str | None) -> dict[str, object]:
    return {
        "id": new_id(),
        "chat_id": CHAT,
        "seq": seq,
        "sender_id": ALICE,
        "text": "original",
        "created_at": NOW,
        "ai_generated": False,
        "request_id": request_id,
    }


async def _until_empty(db: Database) -> None:
    """Wait (at most 5 s) until the relay has deleted every outbox row."""
    for _ in range(500):
        if not await outbox_size(db):
            return
        await asyncio.sleep(0.01)
    pytest.fail("the outbox was not emptied within 5 s")


async def _stop(relay: OutboxRelay, within: float = 3.0) -> None:
    """Stop the relay; fail the test (rather than hang) when stop() does not return in time."""
    stopping = asyncio.ensure_future(relay.stop())
    done, _ = await asyncio.wait({stopping}, timeout=within)
    if not done:
        stopping.cancel()  # a second cancellation reaches the relay's task and ends it
        with contextlib.suppress(asyncio.CancelledError):
            await stopping
        pytest.fail(f"OutboxRelay.stop() did not return within {within} s")
    await stopping


@pytest.mark.postgres
async def test_two_relays_publish_every_row_once_and_in_order(
    postgres_database: str, bus: InMemoryBus
) -> None:
    """Two relay processes on one PostgreSQL database: one publishes at a time (advisory
    lock), so nothing is published twice and a chat's events keep their order."""
    consumer = Consumer(bus)
    await bus.start()
    async with open_database(postgres_database) as db:
        second = Database(postgres_database)
        relays = [
            OutboxRelay(db, bus, batch_size=7, poll_seconds=0.01),
            OutboxRelay(second, bus, batch_size=7, poll_seconds=0.01),
        ]
        for relay in relays:
            relay.start()
        try:
            for start in range(0, 100, 10):
                await post(db, *(f"m{i}" for i in range(start, start + 10)))
            await _until_empty(db)
        finally:
            for relay in relays:
                await _stop(relay)
            await second.dispose()
    await bus.join()

    assert consumer.texts() == [f"m{i}" for i in range(100)]


async def test_on_sqlite_the_running_relay_prunes_published_rows_in_the_background(
    db: Database, bus: InMemoryBus
) -> None:
    """No delete per pass: rows stay until the prune (one range delete), then go; rows
    committed after a prune that emptied the table (SQLite may reuse their ids) still go
    out, in order, once."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL deletes under the relay lock, pass by pass")
    consumer = Consumer(bus)
    await bus.start()
    relay = OutboxRelay(db, bus, poll_seconds=60, coalesce_seconds=0, prune_seconds=0.3)
    relay.start()
    try:
        for round_ in range(3):
            texts = [f"r{round_}-{i}" for i in range(5)]
            await post(db, *texts[:2])
            await post(db, *texts[2:])
            for _ in range(500):
                if consumer.texts()[-1:] == texts[-1:]:
                    break
                await asyncio.sleep(0.01)
            assert await outbox_size(db) > 0  # published, not yet pruned
            await _until_empty(db)
    finally:
        await _stop(relay)

    assert consumer.texts() == [f"r{r}-{i}" for r in range(3) for i in range(5)]


async def test_on_sqlite_a_relay_killed_before_its_prune_republishes_after_restart(
    db: Database, bus: InMemoryBus
) -> None:
    """At-least-once across a crash: what was published but not pruned goes out again, in
    order, and nothing is lost."""
    if not db.is_sqlite:
        pytest.skip("PostgreSQL deletes under the relay lock, pass by pass")
    consumer = Consumer(bus)
    await bus.start()
    dead = OutboxRelay(db, bus, poll_seconds=60, coalesce_seconds=0, prune_seconds=3600)
    dead.start()
    await post(db, "a", "b")
    await asyncio.wait_for(consumer.arrived.wait(), timeout=5)
    await bus.join()
    task = dead._task  # a crash: the task dies, nothing runs after it
    assert task is not None
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    await post(db, "c")

    moved = await OutboxRelay(db, bus).relay_pending()
    await bus.join()

    assert moved == 3
    assert consumer.texts() == ["a", "b", "a", "b", "c"]
    assert await outbox_size(db) == 0
