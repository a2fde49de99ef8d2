"""The event store's contract, on SQLite and PostgreSQL: appends with an expected version in
the caller's transaction (with the outbox row), gapless positions in commit order, reads by
stream and by position, upcasting of old schema versions."""

import asyncio
import random
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from sqlalchemy import Connection, func, insert, select

from hubbub.infra.db import Database
from hubbub.infra.db.outbox import add_to_outbox, outbox
from hubbub.infra.eventstore import SqlEventStore, events, head
from hubbub.kernel.events import Event
from hubbub.kernel.eventsourcing import (
    EventMetadata,
    EventTypes,
    NewEvent,
    RecordedEvent,
    UnknownEventType,
    VersionConflict,
)
from hubbub.kernel.ids import new_id

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
META = EventMetadata(actor="user-1", request_id="req-1")


class Noticed(Event):  # a bus event for the outbox
    topic = "test.noticed"

    @property
    def key(self) -> str:
        return "k"


def registry() -> EventTypes:
    types = EventTypes()
    types.register("Opened")
    # v1 called the amount "sum"; v2 renamed it and added a currency.
    types.register(
        "Deposited",
        version=3,
        upcasters={
            1: lambda d: {"amount": d.pop("sum"), **d},
            2: lambda d: {**d, "currency": "EUR"},
        },
    )
    return types


@pytest.fixture
def store() -> SqlEventStore:
    return SqlEventStore(registry())


def opened(n: int = 1) -> list[NewEvent]:
    return [NewEvent("Opened", {"n": i}) for i in range(n)]


async def append(
    db: Database,
    store: SqlEventStore,
    stream: str,
    new: list[NewEvent],
    expected: int | None,
    *,
    notices: list[Event] | None = None,
) -> list[RecordedEvent]:
    def work(conn: Connection) -> list[RecordedEvent]:
        found = store.append(
            conn, stream, new, expected_version=expected, occurred_at=NOW, meta=META
        )
        add_to_outbox(conn, notices or [])
        return found

    return await db.run_write(work)


async def read(db: Database, fn: Any, *args: Any, **kwargs: Any) -> Any:
    async with db.read() as conn:
        return await conn.run_sync(lambda c: fn(c, *args, **kwargs))


async def count(db: Database, table: Any) -> int:
    async with db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def test_appends_get_stream_versions_and_gapless_positions(
    db: Database, store: SqlEventStore
) -> None:
    first = await append(db, store, "s-1", opened(2), 0)
    second = await append(db, store, "s-2", opened(1), 0)
    third = await append(db, store, "s-1", opened(1), 2)

    assert [(e.stream_id, e.version, e.position) for e in first + second + third] == [
        ("s-1", 1, 1),
        ("s-1", 2, 2),
        ("s-2", 1, 3),
        ("s-1", 3, 4),
    ]
    stream = await read(db, store.read_stream, "s-1")
    assert [(e.version, e.position, e.data) for e in stream] == [
        (1, 1, {"n": 0}),
        (2, 2, {"n": 1}),
        (3, 4, {"n": 0}),
    ]
    assert stream[0].metadata == META
    assert stream[0].occurred_at == NOW
    assert stream[0].schema_version == 1
    assert await read(db, store.stream_version, "s-1") == 3
    assert await read(db, store.stream_version, "nothing") == 0
    assert await read(db, store.head_position) == 4
    page = await read(db, store.read_all, after=1, limit=2)
    assert [e.position for e in page] == [2, 3]


async def test_a_stale_expected_version_is_a_conflict_and_writes_nothing(
    db: Database, store: SqlEventStore
) -> None:
    await append(db, store, "s", opened(2), 0)

    for stale in (0, 1, 3):
        with pytest.raises(VersionConflict) as caught:
            await append(db, store, "s", opened(1), stale, notices=[Noticed()])
        assert caught.value.code == "version_conflict"
        assert caught.value.status == 409

    assert await count(db, events) == 2
    assert await count(db, outbox) == 0  # the outbox row went with the refused append
    # The positions a refused append took were given back: the next one follows on.
    after = await append(db, store, "s", opened(1), None)
    assert [(e.version, e.position) for e in after] == [(3, 3)]


async def test_the_outbox_row_commits_with_the_events_or_not_at_all(
    db: Database, store: SqlEventStore
) -> None:
    def fails_after_append(conn: Connection) -> None:
        store.append(conn, "s", opened(1), expected_version=0, occurred_at=NOW, meta=META)
        add_to_outbox(conn, [Noticed()])
        raise RuntimeError("crash before commit")

    with pytest.raises(RuntimeError):
        await db.run_write(fails_after_append)
    assert (await count(db, events), await count(db, outbox)) == (0, 0)

    await append(db, store, "s", opened(1), 0, notices=[Noticed()])
    assert (await count(db, events), await count(db, outbox)) == (1, 1)


async def test_old_schema_versions_are_upcast_on_read(db: Database, store: SqlEventStore) -> None:
    async with db.write() as conn:
        await conn.execute(
            insert(events),
            [
                {
                    "position": position,
                    "stream_id": "acct",
                    "version": position,
                    "type": "Deposited",
                    "schema_version": schema,
                    "occurred_at": NOW,
                    "metadata": orjson.dumps(META.to_dict()),
                    "payload": orjson.dumps(payload),
                }
                for position, schema, payload in [
                    (1, 1, {"sum": 5}),
                    (2, 2, {"amount": 7}),
                    (3, 3, {"amount": 9, "currency": "USD"}),
                ]
            ],
        )
        await conn.execute(insert(head).values(id=1, position=3))
    stream = await read(db, store.read_stream, "acct")
    assert [e.data for e in stream] == [
        {"amount": 5, "currency": "EUR"},
        {"amount": 7, "currency": "EUR"},
        {"amount": 9, "currency": "USD"},
    ]
    assert [e.schema_version for e in stream] == [1, 2, 3]
    # New appends are written at the current schema version.
    appended = await append(db, store, "acct", [NewEvent("Deposited", {"amount": 1})], 3)
    assert appended[0].schema_version == 3


async def test_unregistered_types_are_refused(db: Database, store: SqlEventStore) -> None:
    with pytest.raises(UnknownEventType):
        await append(db, store, "s", [NewEvent("Mystery", {})], 0)
    assert await count(db, events) == 0


def test_the_registry_wants_every_upcaster() -> None:
    types = EventTypes()
    with pytest.raises(ValueError, match="upcaster"):
        types.register("X", version=3, upcasters={1: dict})
    with pytest.raises(UnknownEventType):
        types.upcast("Opened", 1, {})
    types.register("X", version=2, upcasters={1: dict})
    with pytest.raises(UnknownEventType, match="newer"):
        types.upcast("X", 3, {})


async def test_concurrent_appends_to_one_stream_let_one_win(
    db: Database, store: SqlEventStore
) -> None:
    await append(db, store, "s", opened(1), 0)
    results = await asyncio.gather(
        *(append(db, store, "s", opened(1), 1) for _ in range(5)), return_exceptions=True
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, VersionConflict) for r in results if isinstance(r, BaseException))
    assert await read(db, store.stream_version, "s") == 2


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_a_reader_polling_by_position_never_skips_an_event_that_commits_late(
    db: Database, store: SqlEventStore
) -> None:
    """Writers hold their transactions open for random times after appending; a reader polls
    `position > last seen` all along. With positions handed out in commit order, what it sees
    is 1, 2, 3, ... with nothing skipped, and in the end everything."""
    writers, appends_each = 8, 6
    rng = random.Random(11)
    done = asyncio.Event()

    async def writer(w: int) -> None:
        for i in range(appends_each):
            async with db.write() as conn:
                await conn.run_sync(
                    lambda c, w=w, i=i: store.append(
                        c,
                        f"w-{w}-{new_id()}",
                        opened(1 + i % 2),
                        expected_version=0,
                        occurred_at=NOW,
                        meta=META,
                    )
                )
                await asyncio.sleep(rng.uniform(0, 0.05))  # commits late

    seen: list[int] = []

    async def reader() -> None:
        last = 0
        while True:
            finished = done.is_set()
            page = await read(db, store.read_all, after=last, limit=1000)
            for event in page:
                seen.append(event.position)
                last = event.position
            if finished and not page:
                return
            await asyncio.sleep(0.001)

    polling = asyncio.create_task(reader())
    await asyncio.gather(*(writer(w) for w in range(writers)))
    done.set()
    await polling

    total = writers * sum(1 + i % 2 for i in range(appends_each))
    assert seen == list(range(1, total + 1))
