"""LocalDiaryApi on the in-memory store: the commands' rules, conflicts and retries, what the
mood role and matching get, erasure, and the bus events."""

from datetime import UTC, datetime, timedelta

import pytest

from hubbub.contexts.diary.events import DiaryErased, EntryDeleted, EntryWritten, MoodAnalysed
from hubbub.contexts.diary.fakes import InMemoryDiaryStore
from hubbub.contexts.diary.service import LocalDiaryApi
from hubbub.kernel.errors import Invalid, NotFound
from hubbub.kernel.eventsourcing import VersionConflict
from hubbub.kernel.fakes import FixedClock
from hubbub.kernel.ids import new_id
from hubbub.kernel.mood import EMOTIONS, MoodReading

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
ALICE, BOB = new_id(), new_id()


def reading(valence: float, leading: str = "joy") -> MoodReading:
    emotions = dict.fromkeys(EMOTIONS, 0.05)
    emotions[leading] = 0.75
    return MoodReading(valence=valence, emotions=emotions, label=leading, model="m-1")


@pytest.fixture
def store() -> InMemoryDiaryStore:
    return InMemoryDiaryStore()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def diary(store: InMemoryDiaryStore, clock: FixedClock) -> LocalDiaryApi:
    return LocalDiaryApi(store=store, clock=clock)


async def test_writing_checks_every_field_and_announces_the_entry(
    diary: LocalDiaryApi, store: InMemoryDiaryStore
) -> None:
    for bad in (
        {"text": ""},
        {"text": "x" * 20_001},
        {"text": "ok", "tags": ["#"]},
        {"text": "ok", "self_rating": 0},
        {"text": "ok", "title": "t" * 201},
    ):
        fields = {"title": None, "self_rating": None, "tags": [], **bad}
        with pytest.raises(Invalid):
            await diary.write(user_id=ALICE, **fields)  # type: ignore[arg-type]
    assert store.streams == {} and store.outbox == []
    entry = await diary.write(user_id=ALICE, text=" hi ", title=None, self_rating=3, tags=["A"])
    assert (entry.text, entry.tags, entry.version) == ("hi", ["a"], 1)
    assert store.outbox == [EntryWritten(entry.id, ALICE, 1, NOW)]


async def test_revisions_follow_the_version_the_writer_saw(
    diary: LocalDiaryApi, store: InMemoryDiaryStore
) -> None:
    entry = await diary.write(user_id=ALICE, text="one", title="T", self_rating=None, tags=[])
    assert await diary.record_mood(entry.id, 1, reading(0.5))
    # Version 1 is still fresh for the author: only a mood arrived since.
    changed = await diary.revise(
        user_id=ALICE, entry_id=entry.id, seen_version=1, changes={"title": "New"}
    )
    assert (changed.version, changed.title, changed.mood is not None) == (3, "New", True)
    with pytest.raises(VersionConflict):
        await diary.revise(user_id=ALICE, entry_id=entry.id, seen_version=2, changes={"text": "x"})
    with pytest.raises(Invalid):
        await diary.revise(user_id=ALICE, entry_id=entry.id, seen_version=3, changes={"id": "x"})
    with pytest.raises(NotFound):
        await diary.revise(user_id=BOB, entry_id=entry.id, seen_version=3, changes={"text": "x"})
    texted = await diary.revise(
        user_id=ALICE, entry_id=entry.id, seen_version=3, changes={"text": "two"}
    )
    assert texted.mood is None  # the old reading was of "one"
    assert [type(e).__name__ for e in store.outbox] == [
        "EntryWritten",
        "MoodAnalysed",
        "EntryWritten",  # the title change is no new text: not announced
    ]


async def test_a_concurrent_append_is_retried_on_the_fresh_state(
    diary: LocalDiaryApi, store: InMemoryDiaryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = await diary.write(user_id=ALICE, text="one", title=None, self_rating=None, tags=[])
    real_append = store.append
    raced = False

    async def racing_append(**kwargs: object) -> object:
        nonlocal raced
        if not raced:  # the analyser appends between the revision's load and its append
            raced = True
            assert await diary.record_mood(entry.id, 1, reading(0.1))
        return await real_append(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "append", racing_append)
    revised = await diary.revise(
        user_id=ALICE, entry_id=entry.id, seen_version=1, changes={"self_rating": 2}
    )
    assert raced and revised.version == 3 and revised.self_rating == 2


async def test_the_mood_role_reads_text_and_records_readings(
    diary: LocalDiaryApi, store: InMemoryDiaryStore, clock: FixedClock
) -> None:
    entry = await diary.write(user_id=ALICE, text="Sunny", title=None, self_rating=None, tags=[])
    text = await diary.text_for_analysis(entry.id)
    assert text is not None and (text.text, text.version) == ("Sunny", 1)
    assert await diary.text_for_analysis("nonsense") is None
    assert await diary.record_mood(entry.id, 0, reading(0.1)) is False  # before the text
    assert await diary.record_mood(entry.id, 9, reading(0.1)) is False  # from the future
    assert await diary.record_mood(str(entry.id), 1, reading(0.7)) is True
    assert store.outbox[-1] == MoodAnalysed(
        entry.id, ALICE, 1, NOW, 0.7, dict(reading(0.7).emotions), "joy", "m-1"
    )
    assert await diary.entries_for_reanalysis(None, 10) == [str(entry.id)]
    assert await diary.entries_for_reanalysis(str(entry.id), 10) == []
    with pytest.raises(Invalid):
        await diary.entries_for_reanalysis("nonsense", 10)
    days = await diary.mood_days_since(NOW.date(), [str(ALICE)])
    assert [(d.user_id, d.date, d.entries, d.valence_mean) for d in days] == [
        (ALICE, NOW.date(), 1, 0.7)
    ]
    clock.advance(3 * 86_400)
    timeline = await diary.mood_timeline(user_id=ALICE, days=3)
    assert timeline.days == []  # three days ago is out of a 3-day window
    assert len((await diary.mood_timeline(user_id=ALICE, days=4)).days) == 1


async def test_deleting_and_erasing_make_entries_unreadable(
    diary: LocalDiaryApi, store: InMemoryDiaryStore
) -> None:
    first = await diary.write(user_id=ALICE, text="a", title=None, self_rating=None, tags=[])
    second = await diary.write(user_id=ALICE, text="b", title=None, self_rating=None, tags=[])
    bobs = await diary.write(user_id=BOB, text="c", title=None, self_rating=None, tags=[])
    await diary.delete(user_id=ALICE, entry_id=first.id)
    assert store.outbox[-1] == EntryDeleted(first.id, ALICE, 2)
    assert first.id not in store.keys
    with pytest.raises(NotFound):
        await diary.delete(user_id=ALICE, entry_id=first.id)
    await diary.erase(user_id=ALICE)
    assert store.outbox[-1] == DiaryErased(ALICE)
    assert await diary.text_for_analysis(second.id) is None
    assert (await diary.export(user_id=ALICE)).entries == []
    assert (await diary.export(user_id=BOB)).entries[0].id == bobs.id
    assert (await diary.list_entries(user_id=BOB, limit=5, before_id=None)).entries[0].text == "c"


async def test_the_timeline_is_bounded(diary: LocalDiaryApi, clock: FixedClock) -> None:
    for days in (0, 366, -1):
        with pytest.raises(Invalid):
            await diary.mood_timeline(user_id=ALICE, days=days)
    entry = await diary.write(user_id=ALICE, text="x", title=None, self_rating=None, tags=[])
    await diary.record_mood(entry.id, 1, reading(-0.5, "sadness"))
    clock.advance(timedelta(days=1).total_seconds())
    day = (await diary.mood_timeline(user_id=ALICE, days=2)).days[0]
    assert (day.date, day.entries, day.valence, day.dominant_emotion) == (
        NOW.date(),
        1,
        -0.5,
        "sadness",
    )
