"""The transactional outbox: events written in the same transaction as the change they
describe, and relayed to the durable bus after commit.

A relay that dies between publishing and deleting republishes on restart: delivery is
at-least-once and consumers are idempotent. Rows are published in id order, which keeps each
key's events in order (a chat's messages are written one after another, under the lock of
its head row, so their outbox ids rise with their seqs).

Several relays may run against PostgreSQL for availability: each pass takes a transaction
advisory lock, so one relay publishes at a time and the others stand by. Handing rows to
relays in parallel (`SKIP LOCKED`) would let two relays publish one chat's events out of
order; one relay publishes thousands of rows a second, far more than one database's writes.
SQLite has one process, hence one relay, and there the relay does not delete what it
publishes pass by pass (a write transaction and an `fsync` on the single writer, dozens of
times a second under load): it keeps a cursor, the last id it published, and reads the rows
above it. Published rows are deleted in the background by one range delete every
`prune_seconds` (or after `prune_rows` rows), and whenever `relay_pending` or `stop` run. A
relay that dies republishes on restart what it published since the last prune: at-least-once,
as before, with at most `prune_seconds` of duplicates. SQLite commits one transaction at a
time (hubbub's write lock), so ids become visible in id order and a cursor misses nothing;
PostgreSQL commits sequence values out of order, so it keeps publish-then-delete. When a
prune empties the table SQLite may hand out low ids again (a rowid table reuses
`max(id) + 1`), so the cursor goes back to 0 in the same transaction.
"""

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import structlog
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Integer,
    LargeBinary,
    Row,
    String,
    Table,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from hubbub.infra.db.engine import Database
from hubbub.infra.db.schema import UtcDateTime, metadata
from hubbub.infra.observability.metrics import (
    OUTBOX_LAG_SECONDS,
    OUTBOX_RELAY_ERRORS,
    OUTBOX_RELAYED,
)
from hubbub.kernel.backoff import exponential_backoff
from hubbub.kernel.clock import SystemClock
from hubbub.kernel.events import Event
from hubbub.kernel.ports import Bus

log = structlog.get_logger(__name__)

MAX_BACKOFF_SECONDS = 5.0
RELAY_LOCK_ID = 0x6875_6262_7562  # "hubbub": the advisory lock that elects the active relay

outbox = Table(
    "outbox",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("topic", String(200), nullable=False),
    Column("key", String(200), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)


def outbox_rows(events: Iterable[Event]) -> list[dict[str, Any]]:
    """Rows for `events`, to insert in the transaction that made them happen."""
    now = SystemClock().now()
    return [
        {
            "topic": e.topic,
            "key": e.key,
            "payload": orjson.dumps(e.to_payload()),
            "created_at": now,
        }
        for e in events
    ]


def add_to_outbox(conn: Connection, events: Iterable[Event]) -> None:
    """Write `events` in the caller's transaction (a `Database.run_write` function)."""
    rows = outbox_rows(events)
    if rows:
        conn.execute(insert(outbox), rows)


INSERT_OUTBOX_SQLITE = "INSERT INTO outbox (topic, key, payload, created_at) VALUES (?, ?, ?, ?)"


def sqlite_timestamp(value: datetime) -> str:
    """`value` as SQLAlchemy's `UtcDateTime` stores it on SQLite: naive UTC with microseconds."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")


def add_to_outbox_sqlite(raw: sqlite3.Connection, events: Iterable[Event]) -> None:
    """`add_to_outbox` on the DB-API connection of a `Database.run_write` function on SQLite
    (the message write path: no SQLAlchemy statement compilation)."""
    now = sqlite_timestamp(SystemClock().now())
    rows = [(e.topic, e.key, orjson.dumps(e.to_payload()), now) for e in events]
    if rows:
        raw.executemany(INSERT_OUTBOX_SQLITE, rows)


async def add_to_outbox_async(conn: AsyncConnection, events: Iterable[Event]) -> None:
    """Write `events` in the caller's transaction (a `Database.write` block)."""
    rows = outbox_rows(events)
    if rows:
        await conn.execute(insert(outbox), rows)


class OutboxRelay:
    """Moves outbox rows to the bus, oldest first; wakes on commit, polls as a safety net."""

    def __init__(
        self,
        db: Database,
        bus: Bus,
        *,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        coalesce_seconds: float = 0.02,
        prune_seconds: float = 2.0,
        prune_rows: int = 20_000,
    ) -> None:
        self._db = db
        self._bus = bus
        self._batch_size = batch_size
        self._poll_seconds = poll_seconds
        # After a wake-up, wait this long so that one relay pass carries many commits
        # instead of adding a write transaction per commit on SQLite's single writer.
        self._coalesce = coalesce_seconds
        # SQLite: the last id published, and how many published rows still wait for a prune.
        self._cursor = 0
        self._unpruned = 0
        self._prune_seconds = prune_seconds
        self._prune_rows = prune_rows
        self._pruned_at = time.monotonic()
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        db.on_commit(self._wake.set)

    def start(self) -> None:
        self._stopping = False
        self._stopped.clear()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        """Finish the pass in flight (never cut between publish and delete), then relay
        whatever was committed before stop, and return."""
        if self._task is None:
            return
        self._stopping = True
        self._stopped.set()
        self._wake.set()
        await self._task
        self._task = None
        try:
            await self.relay_pending()
        except Exception as exc:  # the bus is down: the rows wait in the outbox for next time
            log.warning("outbox_relay_failed_at_stop", error=str(exc))

    async def relay_pending(self) -> int:
        """Relay everything currently in the outbox and delete it; returns how many rows
        moved."""
        moved = await self._relay_all()
        await self._prune()
        return moved

    async def _relay_all(self) -> int:
        moved = 0
        while True:
            batch = await self._relay_batch()
            moved += batch
            if batch < self._batch_size:
                return moved

    async def _prune_if_due(self) -> None:
        if self._unpruned and (
            self._unpruned >= self._prune_rows
            or time.monotonic() - self._pruned_at >= self._prune_seconds
        ):
            await self._prune()

    async def _prune(self) -> None:
        """SQLite: delete the published rows (ids up to the cursor) in one statement."""
        if not self._db.is_sqlite or not self._unpruned:
            return
        async with self._db.write(notify=False) as conn:
            await conn.execute(delete(outbox).where(outbox.c.id <= self._cursor))
            if await conn.scalar(select(func.max(outbox.c.id))) is None:
                self._cursor = 0  # empty: the next row may get id 1 again
        self._unpruned = 0
        self._pruned_at = time.monotonic()

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            self._wake.clear()
            try:
                await self._relay_all()
                await self._prune_if_due()
                failures = 0
            except Exception as exc:
                # The rows stay in the outbox (the delete never ran) and the next pass
                # publishes them again: a bus outage delays events, it never loses them.
                failures += 1
                delay = exponential_backoff(
                    failures, base=self._poll_seconds, cap=MAX_BACKOFF_SECONDS
                )
                OUTBOX_RELAY_ERRORS.inc()
                log.warning("outbox_relay_failed", error=str(exc), retry_in=delay)
                await self._sleep_unless_stopped(delay)
                continue
            if self._stopping:
                return
            # A stop is a wake-up too, so waiting here never delays shutdown. Published rows
            # waiting for their prune shorten the wait to when it is due.
            wait = self._poll_seconds
            if self._unpruned:
                due = self._pruned_at + self._prune_seconds - time.monotonic()
                wait = min(wait, max(due, 0.0))
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()
            if not self._stopping:
                await asyncio.sleep(self._coalesce)

    async def _sleep_unless_stopped(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopped.wait()

    async def _relay_batch(self) -> int:
        if self._db.is_sqlite:
            return await self._relay_batch_single_process()
        async with self._db.write(notify=False) as conn:
            if not await conn.scalar(select(func.pg_try_advisory_xact_lock(RELAY_LOCK_ID))):
                return 0  # another relay is publishing; this one stands by
            query = select(outbox).order_by(outbox.c.id).limit(self._batch_size)
            rows = (await conn.execute(query)).all()
            await self._publish(rows)
            if rows:
                await conn.execute(delete(outbox).where(outbox.c.id.in_([r.id for r in rows])))
        return len(rows)

    async def _publish(self, rows: Sequence[Row[Any]]) -> None:
        await self._bus.publish_many([(row.topic, row.key, row.payload) for row in rows])
        OUTBOX_RELAYED.inc(len(rows))
        # Rows come oldest first: the first one waited longest. A lag that keeps growing means
        # the bus (or this relay) cannot keep up with the commits.
        waited = (SystemClock().now() - rows[0].created_at).total_seconds() if rows else 0.0
        OUTBOX_LAG_SECONDS.set(max(waited, 0.0))

    async def _relay_batch_single_process(self) -> int:
        # SQLite has one writer: publishing while holding it would stall every message
        # write, so read, publish, then move the cursor; the rows are pruned later (see the
        # module docstring). Only one relay runs on SQLite.
        async with self._db.read() as conn:
            query = (
                select(outbox)
                .where(outbox.c.id > self._cursor)
                .order_by(outbox.c.id)
                .limit(self._batch_size)
            )
            rows = (await conn.execute(query)).all()
        await self._publish(rows)
        if rows:
            self._cursor = rows[-1].id
            self._unpruned += len(rows)
        return len(rows)
