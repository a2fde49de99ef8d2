"""The diary's aggregate (an entry is the fold of its events) and its input rules."""

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from hubbub.contexts.diary import model
from hubbub.contexts.diary.model import Content, DomainEvent, check_fresh, fold
from hubbub.kernel.errors import Invalid
from hubbub.kernel.eventsourcing import VersionConflict

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ENTRY = UUID("0193a000-0000-7000-8000-000000000001")
USER = UUID("0193a000-0000-7000-8000-0000000000aa")
BASE = {"entry_id": str(ENTRY), "user_id": str(USER)}
JOY = {"joy": 0.7, "sadness": 0.05, "anger": 0.05, "fear": 0.05, "surprise": 0.05, "neutral": 0.1}


def at(version: int) -> datetime:
    return T0 + timedelta(minutes=version)


def recorded(text: str = "A good day", rating: int | None = 4) -> DomainEvent:
    return DomainEvent(
        model.ENTRY_RECORDED,
        1,
        at(1),
        {**BASE, "self_rating": rating},
        Content(text, "Title", ("work",)),
    )


def revised(version: int, text: str, *, text_changed: bool, rating: int | None = 4) -> DomainEvent:
    data = {**BASE, "self_rating": rating, "text_changed": text_changed}
    return DomainEvent(model.ENTRY_REVISED, version, at(version), data, Content(text, None, ()))


def analysed(version: int, analysed_version: int, valence: float = 0.6) -> DomainEvent:
    data: dict[str, Any] = {
        **BASE,
        "analysed_version": analysed_version,
        "valence": valence,
        "emotions": JOY,
        "label": "joy",
        "model": "head-1",
    }
    return DomainEvent(model.MOOD_ANALYSED, version, at(version), data)


def test_an_entry_is_the_fold_of_its_events() -> None:
    entry = fold([recorded(), analysed(2, 1), revised(3, "A better day", text_changed=True)])
    assert entry is not None
    assert (entry.id, entry.user_id, entry.version) == (ENTRY, USER, 3)
    assert entry.content == Content("A better day", None, ())
    assert (entry.created_at, entry.updated_at) == (at(1), at(3))
    assert (entry.content_version, entry.text_version) == (3, 3)
    assert entry.mood is None  # the reading was of the old text
    assert [a.analysed_version for a in entry.analyses] == [1]  # kept in history


def test_a_reading_of_the_current_text_becomes_the_mood() -> None:
    entry = fold([recorded(), revised(2, "A good day", text_changed=False, rating=5)])
    assert entry is not None and entry.self_rating == 5
    entry = fold([recorded(), revised(2, "x", text_changed=False), analysed(3, 1)])
    assert entry is not None and entry.mood is not None
    assert entry.mood.valence == 0.6 and entry.mood.model == "head-1"
    stale = fold([recorded(), revised(2, "new", text_changed=True), analysed(3, 1)])
    assert stale is not None and stale.mood is None


def test_a_deleted_entry_has_no_content_and_takes_no_more_events() -> None:
    deleted = DomainEvent(model.ENTRY_DELETED, 2, at(2), BASE)
    entry = fold([recorded(), deleted])
    assert entry is not None and entry.deleted and entry.content is None
    with pytest.raises(ValueError, match="after EntryDeleted"):
        fold([recorded(), deleted, analysed(3, 1)])


def test_corrupt_streams_are_refused() -> None:
    assert fold([]) is None
    with pytest.raises(ValueError, match="starts with"):
        fold([analysed(1, 1)])
    with pytest.raises(ValueError, match="twice"):
        fold([recorded(), DomainEvent(model.ENTRY_RECORDED, 2, at(2), BASE)])
    with pytest.raises(ValueError, match="version 3 after 1"):
        fold([recorded(), analysed(3, 1)])


def test_a_version_is_stale_only_when_the_content_changed_since() -> None:
    entry = fold([recorded(), analysed(2, 1)])
    assert entry is not None
    check_fresh(entry, 1)  # a mood analysis since is no conflict
    check_fresh(entry, 2)
    with pytest.raises(VersionConflict):
        check_fresh(entry, 3)  # from the future
    revised_entry = fold([recorded(), revised(2, "changed", text_changed=True)])
    assert revised_entry is not None
    with pytest.raises(VersionConflict) as caught:
        check_fresh(revised_entry, 1)
    assert caught.value.code == "version_conflict"


def test_text_is_trimmed_and_bounded() -> None:
    assert model.check_text("  hello \n") == "hello"
    assert model.check_text(" " + "x" * 20_000 + "\n") == "x" * 20_000
    for bad in ("", "   ", "\u200b\u200b", "x" * 20_001, "bad\x00byte"):
        with pytest.raises(Invalid):
            model.check_text(bad)


def test_titles_tags_and_ratings() -> None:
    assert model.check_title("  My   day ") == "My day"
    assert model.check_title("   ") is None
    assert model.check_title(None) is None
    with pytest.raises(Invalid):
        model.check_title("x" * 201)
    with pytest.raises(Invalid):
        model.check_title("evil\u202e")
    assert model.check_tags(["Work", "#work", " Family  Time ", "family-time"]) == [
        "work",
        "family-time",
    ]
    for bad in (["#"], ["x" * 33], ["a\x07"], [f"t{i}" for i in range(21)]):
        with pytest.raises(Invalid):
            model.check_tags(bad)
    assert model.check_rating(None) is None
    assert model.check_rating(5) == 5
    for rating in (0, 6, -1):
        with pytest.raises(Invalid):
            model.check_rating(rating)


def test_old_entry_recorded_events_are_upcast() -> None:
    types = model.event_types()
    assert types.current(model.ENTRY_RECORDED) == 2
    assert types.upcast(model.ENTRY_RECORDED, 1, {"entry_id": "e", "sealed": "s"}) == {
        "entry_id": "e",
        "sealed": "s",
        "self_rating": None,
    }


def test_the_dominant_emotion_breaks_ties_in_contract_order() -> None:
    assert model.dominant(JOY) == "joy"
    assert model.dominant(dict.fromkeys(JOY, 0.0)) == "joy"
    assert model.dominant({**dict.fromkeys(JOY, 0.1), "fear": 0.5}) == "fear"


def test_bus_events_carry_the_entry_version_as_version_and_no_text() -> None:
    from hubbub.contexts.diary.events import EntryWritten, MoodAnalysed

    written = EntryWritten(ENTRY, USER, 3, T0)
    payload = written.to_payload()
    assert payload == {
        "entry_id": str(ENTRY),
        "user_id": str(USER),
        "version": 3,
        "written_at": T0.isoformat(),
    }
    assert EntryWritten.from_payload(payload) == written
    mood = MoodAnalysed(ENTRY, USER, 2, T0, 0.5, JOY, "joy", "head-1").to_payload()
    assert mood["version"] == 2 and mood["emotions"] == JOY and "text" not in mood
