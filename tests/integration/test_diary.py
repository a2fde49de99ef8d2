"""The diary on SQLite and PostgreSQL: commands through the event store, the read models,
rebuild equality, crash catch-up, the bus events, and crypto-shredding."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import structlog
from sqlalchemy import Connection, select

from hubbub.contexts.diary.model import event_types
from hubbub.contexts.diary.projections import (
    PROJECTIONS,
    EntriesProjection,
    Projector,
    checkpoints,
    entries,
    mood_days,
    mood_entries,
)
from hubbub.contexts.diary.service import LocalDiaryApi
from hubbub.contexts.diary.store import SqlDiaryStore, keys
from hubbub.contexts.diary.wiring import local_diary
from hubbub.infra.db import Database
from hubbub.infra.db.outbox import outbox
from hubbub.infra.eventstore import SqlEventStore, events
from hubbub.kernel.errors import Invalid, NotFound
from hubbub.kernel.eventsourcing import RecordedEvent, VersionConflict
from hubbub.kernel.fakes import FixedClock
from hubbub.kernel.ids import new_id
from hubbub.kernel.mood import MoodReading

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ALICE, BOB = new_id(), new_id()


def reading(valence: float, leading: str = "joy", model: str = "head-1") -> MoodReading:
    emotions = dict.fromkeys(("joy", "sadness", "anger", "fear", "surprise", "neutral"), 0.05)
    emotions[leading] = 0.75
    return MoodReading(valence=valence, emotions=emotions, label=leading, model=model)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def diary(db: Database, clock: FixedClock) -> LocalDiaryApi:
    return local_diary(db=db, clock=clock)


async def table_rows(db: Database, *tables: Any) -> dict[str, list[tuple[Any, ...]]]:
    found = {}
    async with db.read() as conn:
        for table in tables:
            rows = (await conn.execute(select(table))).all()
            found[table.name] = sorted(tuple(r) for r in rows)
    return found


READ_MODELS = (entries, mood_entries, mood_days)


async def test_write_read_revise_delete(diary: LocalDiaryApi, clock: FixedClock) -> None:
    first = await diary.write(
        user_id=ALICE, text="  Slept well.\n", title=" Morning ", self_rating=4, tags=["#Sleep"]
    )
    assert (first.text, first.title, first.tags, first.self_rating) == (
        "Slept well.",
        "Morning",
        ["sleep"],
        4,
    )
    assert first.version == 1 and first.mood is None
    clock.advance(60)
    second = await diary.write(user_id=ALICE, text="Lunch", title=None, self_rating=None, tags=[])
    await diary.write(user_id=BOB, text="Bob's", title=None, self_rating=None, tags=[])

    listed = await diary.list_entries(user_id=ALICE, limit=1, before_id=None)
    assert [e.id for e in listed.entries] == [second.id] and listed.has_more
    older = await diary.list_entries(user_id=ALICE, limit=10, before_id=second.id)
    assert [e.id for e in older.entries] == [first.id] and not older.has_more
    assert older.entries[0] == first

    # Only the author sees an entry; anyone else gets the same 404 as for an unknown id.
    for user, entry_id in ((BOB, first.id), (ALICE, new_id())):
        with pytest.raises(NotFound):
            await diary.get(user_id=user, entry_id=entry_id)
        with pytest.raises(NotFound):
            await diary.revise(user_id=user, entry_id=entry_id, seen_version=1, changes={})
        with pytest.raises(NotFound):
            await diary.delete(user_id=user, entry_id=entry_id)

    clock.advance(60)
    revised = await diary.revise(
        user_id=ALICE,
        entry_id=first.id,
        seen_version=1,
        changes={"title": None, "tags": ["Night", "night"], "self_rating": 2},
    )
    assert (revised.title, revised.tags, revised.self_rating, revised.version) == (
        None,
        ["night"],
        2,
        2,
    )
    assert revised.updated_at == clock.now() and revised.created_at == first.created_at
    with pytest.raises(VersionConflict):
        await diary.revise(
            user_id=ALICE, entry_id=first.id, seen_version=1, changes={"text": "stale"}
        )
    # Bad input changes nothing.
    for changes in ({"text": "   "}, {"tags": ["x" * 40]}, {"self_rating": 9}, {"text": None}):
        with pytest.raises(Invalid):
            await diary.revise(user_id=ALICE, entry_id=first.id, seen_version=2, changes=changes)
    assert await diary.get(user_id=ALICE, entry_id=first.id) == revised
    # The same values again append nothing.
    same = await diary.revise(
        user_id=ALICE, entry_id=first.id, seen_version=2, changes={"self_rating": 2}
    )
    assert same.version == 2

    await diary.delete(user_id=ALICE, entry_id=first.id)
    with pytest.raises(NotFound):
        await diary.get(user_id=ALICE, entry_id=first.id)
    remaining = await diary.list_entries(user_id=ALICE, limit=10, before_id=None)
    assert [e.id for e in remaining.entries] == [second.id]


async def test_moods_reach_the_entry_and_the_timeline(
    diary: LocalDiaryApi, clock: FixedClock
) -> None:
    yesterday = await diary.write(
        user_id=ALICE, text="Sad news", title=None, self_rating=None, tags=[]
    )
    clock.advance(86_400)
    happy = await diary.write(user_id=ALICE, text="Great", title=None, self_rating=5, tags=[])
    calm = await diary.write(user_id=ALICE, text="Calm", title=None, self_rating=None, tags=[])
    await diary.write(user_id=BOB, text="Bob", title=None, self_rating=None, tags=[])

    text = await diary.text_for_analysis(str(happy.id))
    assert text is not None and (text.text, text.version, text.user_id) == ("Great", 1, ALICE)
    assert await diary.record_mood(happy.id, 1, reading(0.8)) is True
    assert await diary.record_mood(str(calm.id), 1, reading(0.2, "neutral")) is True
    assert await diary.record_mood(yesterday.id, 1, reading(-0.6, "sadness")) is True
    got = await diary.get(user_id=ALICE, entry_id=happy.id)
    assert got.version == 2 and got.mood is not None and got.mood.valence == 0.8
    assert got.mood.label == "joy" and got.mood.model == "head-1"

    # A mood analysis is no conflict for the author, who saw version 1.
    edited = await diary.revise(
        user_id=ALICE, entry_id=happy.id, seen_version=1, changes={"text": "Great, really"}
    )
    assert edited.version == 3 and edited.mood is None  # the new text is not read yet
    assert await diary.record_mood(happy.id, 1, reading(0.9)) is False  # of the old text
    assert await diary.record_mood(new_id(), 1, reading(0.9)) is False
    assert await diary.record_mood("not-an-id", 1, reading(0.9)) is False
    assert await diary.record_mood(happy.id, 3, reading(0.4)) is True

    timeline = await diary.mood_timeline(user_id=ALICE, days=30)
    days = [(d.date, d.entries, round(d.valence, 6), d.dominant_emotion) for d in timeline.days]
    today = clock.now().date()
    assert days == [
        (today - timedelta(days=1), 1, -0.6, "sadness"),
        (today, 2, 0.3, "joy"),
    ]
    assert [d.date for d in (await diary.mood_timeline(user_id=ALICE, days=1)).days] == [today]
    for bad in (0, 366):
        with pytest.raises(Invalid):
            await diary.mood_timeline(user_id=ALICE, days=bad)

    matched = await diary.mood_days_since(today - timedelta(days=7), [str(ALICE), str(BOB)])
    assert [(m.user_id, m.date, m.entries) for m in matched] == [
        (ALICE, today - timedelta(days=1), 1),
        (ALICE, today, 2),
    ]
    assert matched[1].emotions["joy"] == pytest.approx((0.75 + 0.05) / 2)
    assert await diary.mood_days_since(today, []) == []
    assert len(await diary.mood_days_since(date(2000, 1, 1))) == 2

    # Reanalysis: every live entry, in id order, page by page.
    ids = await diary.entries_for_reanalysis(None, 2)
    ids += await diary.entries_for_reanalysis(ids[-1], 10)
    assert len(ids) == 4 and ids == sorted(ids)

    await diary.delete(user_id=ALICE, entry_id=calm.id)
    assert await diary.text_for_analysis(calm.id) is None
    today_row = (await diary.mood_timeline(user_id=ALICE, days=1)).days[0]
    assert (today_row.entries, today_row.valence) == (1, pytest.approx(0.4))


async def test_export_and_erase(db: Database, diary: LocalDiaryApi) -> None:
    entry = await diary.write(user_id=ALICE, text="Mine", title="T", self_rating=3, tags=["a"])
    await diary.record_mood(entry.id, 1, reading(0.5, model="head-1"))
    await diary.record_mood(entry.id, 1, reading(0.6, model="head-2"))  # reanalysed
    kept = await diary.write(user_id=BOB, text="Bob's", title=None, self_rating=None, tags=[])

    exported = await diary.export(user_id=ALICE)
    assert [e.id for e in exported.entries] == [entry.id]
    assert exported.entries[0].text == "Mine"
    assert [a.model for a in exported.entries[0].analyses] == ["head-1", "head-2"]
    assert exported.entries[0].mood is not None and exported.entries[0].mood.model == "head-2"

    await diary.erase(user_id=ALICE)
    await diary.erase(user_id=ALICE)  # idempotent
    assert (await diary.export(user_id=ALICE)).entries == []
    assert (await diary.list_entries(user_id=ALICE, limit=10, before_id=None)).entries == []
    assert (await diary.mood_timeline(user_id=ALICE, days=30)).days == []
    assert await diary.text_for_analysis(entry.id) is None
    assert await diary.record_mood(entry.id, 3, reading(0.1)) is False
    with pytest.raises(NotFound):
        await diary.get(user_id=ALICE, entry_id=entry.id)
    assert (await diary.get(user_id=BOB, entry_id=kept.id)).text == "Bob's"
    async with db.read() as conn:
        owners = set((await conn.execute(select(keys.c.user_id))).scalars())
    assert owners == {BOB}


async def test_bus_events_go_through_the_outbox_without_text(
    db: Database, diary: LocalDiaryApi
) -> None:
    entry = await diary.write(
        user_id=ALICE, text="Very private words", title="Secret title", self_rating=None, tags=[]
    )
    await diary.record_mood(entry.id, 1, reading(0.3))
    await diary.revise(
        user_id=ALICE, entry_id=entry.id, seen_version=2, changes={"text": "Other words"}
    )
    await diary.revise(user_id=ALICE, entry_id=entry.id, seen_version=3, changes={"tags": ["t"]})
    await diary.delete(user_id=ALICE, entry_id=entry.id)
    await diary.erase(user_id=ALICE)
    async with db.read() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
    assert [(r.topic, orjson.loads(r.payload).get("version")) for r in rows] == [
        ("diary.entry_written", 1),
        ("diary.mood_analysed", 1),
        ("diary.entry_written", 3),  # the tags-only revision is no new text to analyse
        ("diary.entry_deleted", 5),
        ("diary.erased", 1),
    ]
    assert orjson.loads(rows[-1].payload)["user_id"] == str(ALICE)
    for row in rows:
        assert b"private" not in row.payload and b"Secret" not in row.payload
        assert b"Other words" not in row.payload


async def test_events_carry_who_and_never_clear_text(db: Database, diary: LocalDiaryApi) -> None:
    with structlog.contextvars.bound_contextvars(request_id="req-42"):  # as the middleware
        entry = await diary.write(
            user_id=ALICE,
            text="Plain words here",
            title="Plain title",
            self_rating=1,
            tags=["tagx"],
        )
    await diary.record_mood(entry.id, 1, reading(0.1))
    async with db.read() as conn:
        rows = (await conn.execute(select(events).order_by(events.c.position))).all()
    assert [r.type for r in rows] == ["EntryRecorded", "MoodAnalysed"]
    assert [orjson.loads(r.metadata) for r in rows] == [
        {"actor": str(ALICE), "request_id": "req-42"},
        {"actor": "system:mood", "request_id": None},
    ]
    for row in rows:
        assert b"Plain" not in row.payload and b"tagx" not in row.payload
    async with db.read() as conn:
        sealed = (await conn.execute(select(entries.c.sealed))).scalar_one()
    assert "Plain" not in sealed


async def test_rebuild_gives_the_live_read_models(db: Database, diary: LocalDiaryApi) -> None:
    await _a_busy_history(diary)
    live = await table_rows(db, *READ_MODELS)
    assert live["diary_entries"] and live["diary_mood_days"]

    projector = Projector(db, SqlEventStore(event_types()))
    rebuilt = await projector.rebuild()
    assert {p.name for p in rebuilt} == {"entries", "mood_days"}
    assert await table_rows(db, *READ_MODELS) == live
    # Checkpoints are at the head: nothing left to catch up.
    assert {p.events for p in await projector.catch_up()} == {0}


async def test_a_projector_that_dies_mid_batch_catches_up_without_double_counting(
    db: Database, clock: FixedClock
) -> None:
    store_events = SqlEventStore(event_types())

    class Crashing(EntriesProjection):
        armed = False

        def apply(self, conn: Connection, event: RecordedEvent) -> None:
            super().apply(conn, event)  # the batch's earlier events are applied...
            if Crashing.armed and event.type == "MoodAnalysed":
                raise RuntimeError("killed mid-batch")  # ...and rolled back with it

    crashing = Projector(db, store_events, (Crashing(), PROJECTIONS[1]), batch=4)
    diary = LocalDiaryApi(store=SqlDiaryStore(db, store_events, crashing), clock=clock)
    await _a_busy_history(diary)
    Crashing.armed = True
    for i in range(3):  # the crashes are logged: the events are committed all the same
        entry = await diary.write(
            user_id=ALICE, text=f"late {i}", title=None, self_rating=None, tags=[]
        )
        assert await diary.record_mood(entry.id, 1, reading(0.1 * i)) is True
    positions = await crashing.positions()
    async with db.read() as conn:
        head = await conn.run_sync(store_events.head_position)
    assert positions["entries"] < head

    healthy = Projector(db, store_events)
    await healthy.catch_up()
    caught_up = await table_rows(db, *READ_MODELS)
    await healthy.rebuild()
    assert await table_rows(db, *READ_MODELS) == caught_up
    assert (await healthy.positions())["entries"] == head


async def _a_busy_history(diary: LocalDiaryApi) -> None:
    """Writes, revisions, moods (some of old text), deletions and an erased diary."""
    carol = new_id()
    made = []
    for i, user in enumerate([ALICE, BOB, carol] * 3):
        entry = await diary.write(
            user_id=user, text=f"entry {i}", title=None, self_rating=i % 5 + 1, tags=[f"t{i}"]
        )
        made.append(entry)
        await diary.record_mood(entry.id, 1, reading((i % 7) / 7 - 0.4, "joy" if i % 2 else "fear"))
    await diary.revise(
        user_id=ALICE, entry_id=made[0].id, seen_version=2, changes={"text": "entry 0 again"}
    )
    await diary.record_mood(made[0].id, 3, reading(0.33))
    await diary.revise(user_id=BOB, entry_id=made[1].id, seen_version=2, changes={"tags": []})
    await diary.delete(user_id=ALICE, entry_id=made[3].id)
    await diary.erase(user_id=carol)


async def test_deleted_text_leaves_no_trace_in_the_sqlite_files(tmp_path: Path) -> None:
    """After deleting an entry (and erasing a diary) neither its text nor the key that could
    open it is anywhere in the database file, its free pages, or the WAL."""
    from integration_db import migrate, sqlite_url

    url = sqlite_url(tmp_path / "hubbub.db")
    await migrate(url)
    marker = "Zanzibar-quokka-7f3e9 diary secret"
    db = Database(url)
    try:
        diary = local_diary(db=db, clock=FixedClock(NOW))
        entry = await diary.write(user_id=ALICE, text=marker, title=None, self_rating=None, tags=[])
        other = await diary.write(user_id=BOB, text=marker, title=None, self_rating=None, tags=[])
        async with db.read() as conn:
            found = {r.entry_id: bytes(r.key) for r in (await conn.execute(select(keys))).all()}
        assert set(found) == {entry.id, other.id}
        before = _database_bytes(tmp_path)
        assert marker.encode() not in before  # never written in clear
        assert all(key in before for key in found.values())  # the keys are, until deleted
        await diary.delete(user_id=ALICE, entry_id=entry.id)
        await diary.erase(user_id=BOB)
    finally:
        await db.dispose()  # waits for the checkpoint started by the deletions
    stored = _database_bytes(tmp_path)
    assert stored, "the database files were read"
    for key in found.values():
        assert key not in stored
    assert marker.encode() not in stored
    assert marker.encode("utf-16-le") not in stored


def _database_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(folder.glob("hubbub.db*")))


async def test_the_projections_command_rebuilds_from_position_zero(
    db: Database, db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    from hubbub import cli

    diary = local_diary(db=db, clock=FixedClock(NOW))
    await _a_busy_history(diary)
    live = await table_rows(db, *READ_MODELS)
    async with db.write() as conn:  # a read model damaged by hand
        await conn.execute(entries.delete())
    monkeypatch.setenv("HUBBUB_DATABASE_URL", db_url)

    await asyncio.to_thread(cli.main, ["projections", "rebuild"])
    await asyncio.to_thread(cli.main, ["projections", "rebuild", "entries"])
    await asyncio.to_thread(cli.main, ["projections", "status"])

    printed = capsys.readouterr().out
    assert "rebuilt entries: " in printed and "rebuilt mood_days: " in printed
    assert await table_rows(db, *READ_MODELS) == live
    head = await Projector(db, SqlEventStore(event_types())).head()
    assert f"entries: at position {head} of {head}" in printed


async def test_projections_far_apart_both_catch_up(db: Database, diary: LocalDiaryApi) -> None:
    """One projection rebuilt to the head, the other reset far behind: one catch-up call in
    small batches brings both to the head, with the live rows."""
    await _a_busy_history(diary)
    live = await table_rows(db, *READ_MODELS)
    projector = Projector(db, SqlEventStore(event_types()), batch=3)
    await projector.rebuild(["entries"])
    async with db.write() as conn:
        await conn.execute(mood_days.delete())
        await conn.execute(mood_entries.delete())
        await conn.execute(checkpoints.update().values(position=0))
    await projector.rebuild(["entries"])
    progress = {p.name: p for p in await projector.catch_up()}
    head = await projector.head()
    assert progress["entries"].events == 0 and progress["mood_days"].events == head
    assert await projector.positions() == {"entries": head, "mood_days": head}
    assert await table_rows(db, *READ_MODELS) == live


async def test_an_append_projects_its_events_in_its_own_transaction(db: Database) -> None:
    from hubbub.contexts.diary.model import ENTRY_RECORDED, Content
    from hubbub.contexts.diary.ports import Change
    from hubbub.kernel.eventsourcing import EventMetadata

    events_store = SqlEventStore(event_types())
    projector = Projector(db, events_store)
    store = SqlDiaryStore(db, events_store, projector)
    entry_id = new_id()
    data = {"entry_id": str(entry_id), "user_id": str(ALICE), "self_rating": None}
    await store.append(
        entry_id=entry_id,
        user_id=ALICE,
        changes=[Change(ENTRY_RECORDED, data, Content("inline", None, ()))],
        expected_version=0,
        meta=EventMetadata(),
        now=NOW,
    )
    # No catch-up was run: the read models moved with the append.
    assert await projector.positions() == {"entries": 1, "mood_days": 1}
    listed = await store.list_entries(user_id=ALICE, limit=5, before_id=None)
    assert [e.content.text for e in listed] == ["inline"]


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_writes_do_not_wait_for_a_rebuild(db: Database, diary: LocalDiaryApi) -> None:
    """A rebuild (or catch-up) holds the checkpoints; appends go on meanwhile, leave their
    events to the next catch-up, and nothing is lost or doubled."""
    import asyncio

    first = await diary.write(user_id=ALICE, text="before", title=None, self_rating=None, tags=[])
    async with db.write() as holding:  # what a rebuild's transaction holds
        await holding.execute(select(checkpoints).with_for_update())
        written = await asyncio.wait_for(
            diary.write(user_id=ALICE, text="during", title=None, self_rating=None, tags=[]), 10
        )
        assert await diary.record_mood(written.id, 1, reading(0.2))
    listed = await diary.list_entries(user_id=ALICE, limit=10, before_id=None)
    assert [e.id for e in listed.entries] == [written.id, first.id]
    assert listed.entries[0].mood is not None
    live = await table_rows(db, *READ_MODELS)
    await Projector(db, SqlEventStore(event_types())).rebuild()
    assert await table_rows(db, *READ_MODELS) == live
