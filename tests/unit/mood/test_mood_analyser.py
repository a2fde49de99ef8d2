"""MoodAnalyser with an in-memory diary: record, stale, gone, retries, the author's frame,
the bus handler, reanalysis."""

import orjson
import pytest

from hubbub.contexts.mood.consumers import MoodConsumers
from hubbub.contexts.mood.fakes import InMemoryDiary
from hubbub.contexts.mood.service import DIARY_MOOD_FRAME, MoodAnalyser, Outcome, reanalyse_all
from hubbub.infra.bus import InMemoryBus
from hubbub.kernel.fakes import RecordingLiveEvents
from hubbub.kernel.ids import new_id
from hubbub.kernel.mood import EMOTIONS, MoodReading


class KeywordModel:
    """A deterministic MoodModel: joy when the text says "happy", else sadness."""

    name = "keywords v1"

    def __init__(self) -> None:
        self.read: list[str] = []
        self.warmed = False

    def analyse(self, text: str) -> MoodReading:
        self.read.append(text)
        top = "joy" if "happy" in text else "sadness"
        emotions = {name: 0.9 if name == top else 0.02 for name in EMOTIONS}
        return MoodReading(
            valence=0.8 if top == "joy" else -0.6, emotions=emotions, label=top, model=self.name
        )

    def warm(self) -> None:
        self.warmed = True


@pytest.fixture
def diary() -> InMemoryDiary:
    return InMemoryDiary()


@pytest.fixture
def live() -> RecordingLiveEvents:
    return RecordingLiveEvents()


@pytest.fixture
async def analyser(diary: InMemoryDiary, live: RecordingLiveEvents) -> MoodAnalyser:
    found = MoodAnalyser(diary=diary, model=KeywordModel(), live=live, retry_base_seconds=0.001)
    yield found  # type: ignore[misc]
    found.close()


async def test_an_entry_gets_its_mood_and_the_author_hears_of_it(
    diary: InMemoryDiary, live: RecordingLiveEvents, analyser: MoodAnalyser
) -> None:
    entry, author = new_id(), new_id()
    diary.write(entry, author, "I am so happy today.")

    assert await analyser.analyse(entry_id=entry) is Outcome.RECORDED

    [(version, reading)] = diary.readings[entry]
    assert (version, reading.label, reading.model) == (1, "joy", "keywords v1")
    [call] = live.of_type(DIARY_MOOD_FRAME)
    assert call.target == author
    assert call.frame == {
        "type": DIARY_MOOD_FRAME,
        "entry_id": str(entry),
        "mood": {
            "valence": 0.8,
            "emotions": {name: 0.9 if name == "joy" else 0.02 for name in EMOTIONS},
            "label": "joy",
            "model": "keywords v1",
        },
    }
    assert "happy" not in orjson.dumps(call.frame).decode()  # never the text


async def test_a_stale_or_deleted_entry_records_nothing(
    diary: InMemoryDiary, live: RecordingLiveEvents, analyser: MoodAnalyser
) -> None:
    entry = new_id()
    diary.write(entry, new_id(), "happy")
    await analyser.analyse(entry_id=entry)

    # revised between the read and the record: the diary refuses the old version's reading
    original = diary.record_mood

    async def revise_first(**kwargs):  # type: ignore[no-untyped-def]
        diary.write(entry, diary.entries[entry].user_id, "sad now")
        return await original(**kwargs)

    diary.record_mood = revise_first  # type: ignore[method-assign]
    assert await analyser.analyse(entry_id=entry, again=True) is Outcome.STALE
    diary.record_mood = original  # type: ignore[method-assign]
    assert await analyser.analyse(entry_id=new_id()) is Outcome.GONE
    assert len(diary.readings[entry]) == 1
    assert len(live.of_type(DIARY_MOOD_FRAME)) == 1


async def test_a_redelivered_event_appends_nothing_for_a_text_already_read(
    diary: InMemoryDiary, analyser: MoodAnalyser
) -> None:
    entry = new_id()
    diary.write(entry, new_id(), "happy")
    assert await analyser.analyse(entry_id=entry) is Outcome.RECORDED

    assert await analyser.analyse(entry_id=entry) is Outcome.ALREADY
    diary.write(entry, diary.entries[entry].user_id, "sad now")  # a revised text is read again
    assert await analyser.analyse(entry_id=entry) is Outcome.RECORDED
    assert [r.label for _, r in diary.readings[entry]] == ["joy", "sadness"]


async def test_failures_are_retried_then_raised_for_the_bus_to_redeliver(
    diary: InMemoryDiary, analyser: MoodAnalyser
) -> None:
    entry = new_id()
    diary.write(entry, new_id(), "happy")
    diary.fail_reads = 3

    assert await analyser.analyse(entry_id=entry) is Outcome.RECORDED

    diary.fail_reads = 99
    with pytest.raises(ConnectionError):
        await analyser.analyse(entry_id=entry)


async def test_the_bus_handler_analyses_every_written_entry(
    diary: InMemoryDiary, analyser: MoodAnalyser
) -> None:
    bus = InMemoryBus()
    MoodConsumers(analyser).subscribe(bus)
    await bus.start()
    author = new_id()
    entries = [new_id() for _ in range(5)]
    try:
        for entry in entries:
            diary.write(entry, author, "happy" if entry.int % 2 else "gloomy")
            payload = {"entry_id": str(entry), "user_id": str(author), "version": 1}
            await bus.publish("diary.entry_written", str(author), orjson.dumps(payload))
        await bus.join()
    finally:
        await bus.stop()

    assert set(diary.readings) == set(entries)


async def test_reanalyse_appends_a_new_reading_to_every_entry(
    diary: InMemoryDiary, analyser: MoodAnalyser
) -> None:
    entries = [new_id() for _ in range(7)]
    for entry in entries:
        diary.write(entry, new_id(), "happy")
        await analyser.analyse(entry_id=entry)

    assert await reanalyse_all(analyser, diary, page=3) == 7

    assert all(len(diary.readings[e]) == 2 for e in entries)


async def test_warm_loads_the_model_off_the_event_loop(live: RecordingLiveEvents) -> None:
    model = KeywordModel()
    analyser = MoodAnalyser(diary=InMemoryDiary(), model=model, live=live)
    await analyser.warm()
    analyser.close()
    assert model.warmed
