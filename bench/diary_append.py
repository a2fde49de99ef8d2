"""The diary's event store: append throughput, and the time to rebuild the projections from
100,000 events.

    nice -n 10 .venv/bin/python bench/diary_append.py                       # SQLite (temp file)
    nice -n 10 .venv/bin/python bench/diary_append.py --postgres postgresql://postgres@127.0.0.1/postgres

1. `append`: writers (coroutines) each appending one event per transaction to streams of
   their own, straight into the event store (with its outbox row), for `--seconds`.
2. `write`: the whole `POST /api/v1/diary/entries` command below HTTP (rules, a new key, the
   content sealed, event + outbox in one transaction, then the projections caught up).
3. `rebuild`: `--events` events (a quarter of entries each recorded, analysed, revised and
   analysed again) loaded in bulk, then `Projector.rebuild()` of both projections, timed.
"""

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from sqlalchemy import Connection, insert

from hubbub.contexts.diary.model import Content, event_types
from hubbub.contexts.diary.projections import Projector
from hubbub.contexts.diary.store import keys, seal
from hubbub.contexts.diary.wiring import local_diary
from hubbub.infra.db import Database
from hubbub.infra.db.migrate import upgrade
from hubbub.infra.db.outbox import add_to_outbox
from hubbub.infra.eventstore import SqlEventStore
from hubbub.kernel.clock import SystemClock
from hubbub.kernel.events import Event
from hubbub.kernel.eventsourcing import EventMetadata, NewEvent
from hubbub.kernel.ids import new_id

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
META = EventMetadata(actor="bench", request_id=None)
EMOTIONS = {"joy": 0.5, "sadness": 0.1, "anger": 0.1, "fear": 0.1, "surprise": 0.1, "neutral": 0.1}


class Appended(Event):
    topic = "bench.appended"

    @property
    def key(self) -> str:
        return "bench"


async def bench_append(db: Database, writers: int, seconds: float) -> dict[str, float]:
    store = SqlEventStore(event_types())
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []
    payload = {"user_id": str(uuid.uuid4()), "analysed_version": 1, "valence": 0.1}

    async def writer() -> None:
        while time.perf_counter() < deadline:
            stream = f"bench-{uuid.uuid4()}"
            for version in range(10):
                started = time.perf_counter()

                def work(conn: Connection, stream: str = stream, version: int = version) -> None:
                    store.append(
                        conn,
                        stream,
                        [NewEvent("DiaryErased", payload)],
                        expected_version=version,
                        occurred_at=NOW,
                        meta=META,
                    )
                    add_to_outbox(conn, [Appended()])

                await db.run_write(work, notify=False)
                latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    elapsed = time.perf_counter() - started
    return _summary(latencies, elapsed)


async def bench_write(db: Database, writers: int, seconds: float) -> dict[str, float]:
    diary = local_diary(db=db, clock=SystemClock())
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []

    async def writer() -> None:
        user = new_id()
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await diary.write(
                user_id=user,
                text="Walked by the sea; the wind was cold but it felt good. " * 4,
                title="Evening",
                self_rating=4,
                tags=["walk", "sea"],
            )
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(writers)))
    return _summary(latencies, time.perf_counter() - started)


def _summary(latencies: list[float], elapsed: float) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "events": len(ordered),
        "per_second": len(ordered) / elapsed,
        "p50_ms": 1000 * statistics.median(ordered),
        "p95_ms": 1000 * ordered[int(0.95 * (len(ordered) - 1))],
    }


async def load_history(db: Database, events: int) -> float:
    """`events` diary events in bulk (500 entries a transaction); returns the seconds taken."""
    store = SqlEventStore(event_types())
    entries = events // 4
    users = [new_id() for _ in range(max(1, entries // 50))]
    started = time.perf_counter()
    for first in range(0, entries, 500):

        def work(conn: Connection, first: int = first) -> None:
            key_rows = []
            for i in range(first, min(first + 500, entries)):
                entry_id, user_id = new_id(), users[i % len(users)]
                key = os.urandom(32)
                key_rows.append(
                    {"entry_id": entry_id, "user_id": user_id, "key": key, "created_at": NOW}
                )
                stream = f"entry-{entry_id}"
                base = {"entry_id": str(entry_id), "user_id": str(user_id)}
                content = Content(f"entry {i}: a day like others, some good, some less.", None, ())
                mood = {**base, "emotions": EMOTIONS, "label": "joy", "model": "bench"}
                day = NOW.replace(day=1 + i % 28)
                store.append(
                    conn,
                    stream,
                    [
                        NewEvent(
                            "EntryRecorded",
                            {**base, "self_rating": 3, "sealed": seal(key, stream, content)},
                        ),
                        NewEvent("MoodAnalysed", {**mood, "analysed_version": 1, "valence": 0.2}),
                        NewEvent(
                            "EntryRevised",
                            {
                                **base,
                                "self_rating": 4,
                                "text_changed": True,
                                "sealed": seal(key, stream, content),
                            },
                        ),
                        NewEvent("MoodAnalysed", {**mood, "analysed_version": 3, "valence": 0.4}),
                    ],
                    expected_version=0,
                    occurred_at=day,
                    meta=META,
                )
            conn.execute(insert(keys), key_rows)

        await db.run_write(work, notify=False)
    return time.perf_counter() - started


async def bench_rebuild(db: Database, events: int) -> dict[str, float]:
    loaded = await load_history(db, events)
    projector = Projector(db, SqlEventStore(event_types()))
    started = time.perf_counter()
    done = await projector.rebuild()
    elapsed = time.perf_counter() - started
    replayed = done[0].events
    return {
        "events": replayed,
        "load_seconds": loaded,
        "rebuild_seconds": elapsed,
        "per_second": 2 * replayed / elapsed,  # each event is read by both projections
    }


async def fresh_postgres(server: str) -> tuple[str, str]:
    name = f"hubbub_bench_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    base = server.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}", name


async def drop_postgres(server: str, name: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


async def one(url: str, step: str, args: argparse.Namespace) -> dict[str, float]:
    db = Database(url)
    try:
        await upgrade(db)
        if step == "append":
            return await bench_append(db, args.writers, args.seconds)
        if step == "write":
            return await bench_write(db, args.writers, args.seconds)
        return await bench_rebuild(db, args.events)
    finally:
        await db.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--postgres", help="a PostgreSQL server URL (a fresh database is made)")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--steps", default="append,write,rebuild")
    args = parser.parse_args()
    for step in args.steps.split(","):
        if args.postgres:
            url, name = await fresh_postgres(args.postgres)
            try:
                result = await one(url, step, args)
            finally:
                await drop_postgres(args.postgres, name)
        else:
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
                result = await one(url, step, args)
        engine = "postgresql" if args.postgres else "sqlite"
        shown = ", ".join(
            f"{k}={v:,.1f}" if isinstance(v, float) else f"{k}={v:,}" for k, v in result.items()
        )
        print(f"{engine} {step} (writers={args.writers}): {shown}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
