"""The diary's rules and its aggregate: an entry is the fold of its events. Pure, no IO.

The events here are the domain's (stored in the entry's stream, `entry-<id>`); what goes on
the bus is in events.py and never carries text. The personal content of an entry (text,
title, tags) travels inside these events in clear; the store seals it with the entry's key
before it reaches the database (crypto-shredding, see store.py).
"""

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from hubbub.kernel.errors import Invalid
from hubbub.kernel.eventsourcing import EventTypes, Payload, VersionConflict
from hubbub.kernel.mood import EMOTIONS
from hubbub.kernel.text import check_characters, is_invisible

TEXT_MAX = 20_000
TITLE_MAX = 200
TAGS_MAX = 20
TAG_MAX = 32
RATING_MIN, RATING_MAX = 1, 5
TIMELINE_DAYS_MAX = 365

# -- input rules -------------------------------------------------------------------------


def check_text(text: str) -> str:
    """1-20,000 characters once trimmed, something visible; tab and line breaks the only
    control characters. Returns the trimmed text."""
    check_characters(text, field="text", code="invalid_text", multiline=True)
    trimmed = text.strip()
    if not trimmed or is_invisible(trimmed):
        raise Invalid("text: must contain visible characters", code="invalid_text")
    if len(trimmed) > TEXT_MAX:
        raise Invalid(f"text: at most {TEXT_MAX} characters once trimmed", code="invalid_text")
    return trimmed


def check_title(title: str | None) -> str | None:
    """Up to 200 characters, runs of spaces collapsed; blank means no title."""
    if title is None:
        return None
    check_characters(title, field="title", code="invalid_title", names=True)
    if len(title) > TITLE_MAX:
        raise Invalid(f"title: at most {TITLE_MAX} characters", code="invalid_title")
    cleaned = " ".join(title.split())
    return None if not cleaned or is_invisible(cleaned) else cleaned


def normalise_tag(tag: str) -> str:
    """NFKC, lower case, a leading `#` dropped, inner spaces as one `-`: `#Family Time` and
    `family-time` are one tag. At most 32 characters as sent, and once normalised."""
    check_characters(tag, field="tags", code="invalid_tags", names=True)
    if len(tag) > TAG_MAX:
        raise Invalid(f"tags: each at most {TAG_MAX} characters", code="invalid_tags")
    cleaned = unicodedata.normalize("NFKC", tag).strip().lstrip("#").strip().casefold()
    cleaned = "-".join(cleaned.split())
    if not cleaned or is_invisible(cleaned):
        raise Invalid("tags: a tag must contain visible characters", code="invalid_tags")
    if len(cleaned) > TAG_MAX:
        raise Invalid(f"tags: each at most {TAG_MAX} characters", code="invalid_tags")
    return cleaned


def check_tags(tags: Sequence[str]) -> list[str]:
    """At most 20 distinct tags, normalised, in the order given (repeats dropped)."""
    if len(tags) > TAGS_MAX:
        raise Invalid(f"tags: at most {TAGS_MAX}", code="invalid_tags")
    return list(dict.fromkeys(normalise_tag(t) for t in tags))


def check_rating(rating: int | None) -> int | None:
    if rating is not None and not RATING_MIN <= rating <= RATING_MAX:
        raise Invalid("self_rating: 1 to 5, or null", code="invalid_rating")
    return rating


# -- the events of an entry's stream -------------------------------------------------------

ENTRY_RECORDED = "EntryRecorded"
ENTRY_REVISED = "EntryRevised"
ENTRY_DELETED = "EntryDeleted"
MOOD_ANALYSED = "MoodAnalysed"
DIARY_ERASED = "DiaryErased"  # in the owner's stream, `diary-<user id>`


def _recorded_v1_to_v2(data: Payload) -> Payload:
    # Schema 1 (before the v1.1 contract) had no self-rating (nor tags, which live in the
    # sealed content: Content.from_dict reads a missing list as none).
    data.setdefault("self_rating", None)
    return data


def event_types() -> EventTypes:
    """The registry of the diary's event types and their upcasters."""
    types = EventTypes()
    types.register(ENTRY_RECORDED, version=2, upcasters={1: _recorded_v1_to_v2})
    types.register(ENTRY_REVISED)
    types.register(ENTRY_DELETED)
    types.register(MOOD_ANALYSED)
    types.register(DIARY_ERASED)
    return types


def entry_stream(entry_id: UUID) -> str:
    return f"entry-{entry_id}"


def diary_stream(user_id: UUID) -> str:
    return f"diary-{user_id}"


@dataclass(frozen=True, slots=True)
class Content:
    """What is personal in an entry: sealed with the entry's key in the store."""

    text: str
    title: str | None
    tags: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "title": self.title, "tags": list(self.tags)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Content":
        return cls(str(data["text"]), data.get("title"), tuple(data.get("tags") or ()))


@dataclass(frozen=True, slots=True)
class Mood:
    valence: float
    emotions: Mapping[str, float]
    label: str
    model: str
    analysed_version: int
    """The entry's stream version the analysed text had."""
    analysed_at: datetime


@dataclass(frozen=True, slots=True)
class Entry:
    """The current state of one entry: the fold of its stream."""

    id: UUID
    user_id: UUID
    version: int
    content_version: int
    """The stream version of the last change of the text, title, tags or rating: a writer
    whose version is at least this one saw the entry as it is (a mood analysis appended since
    is no conflict)."""
    text_version: int
    """The stream version of the last change of the text (what a mood reading is about)."""
    content: Content | None
    """None when the entry's key is gone: the text is unrecoverable."""
    self_rating: int | None
    created_at: datetime
    updated_at: datetime
    deleted: bool = False
    mood: Mood | None = None
    analyses: tuple[Mood, ...] = field(default=())


def check_fresh(entry: Entry, seen_version: int) -> None:
    """A change based on `seen_version` may go ahead only if nothing the writer would see
    changed since; VersionConflict otherwise (and for a version from the future)."""
    if seen_version < entry.content_version or seen_version > entry.version:
        raise VersionConflict(
            f"the entry changed since version {seen_version} (now at {entry.version})"
        )


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """One event of an entry's stream as the fold reads it (content already opened)."""

    type: str
    version: int
    occurred_at: datetime
    data: Mapping[str, Any]
    content: Content | None = None


def fold(events: Iterable[DomainEvent]) -> Entry | None:
    """The entry the events describe (None for an empty stream). Events out of the rules
    (anything before EntryRecorded, anything after EntryDeleted) are a corrupt stream."""
    entry: Entry | None = None
    for event in events:
        entry = apply(entry, event)
    return entry


def apply(entry: Entry | None, event: DomainEvent) -> Entry:
    data = event.data
    if entry is None:
        if event.type != ENTRY_RECORDED:
            raise ValueError(f"a stream starts with {ENTRY_RECORDED}, not {event.type}")
        return Entry(
            id=UUID(data["entry_id"]),
            user_id=UUID(data["user_id"]),
            version=event.version,
            content_version=event.version,
            text_version=event.version,
            content=event.content,
            self_rating=data.get("self_rating"),
            created_at=event.occurred_at,
            updated_at=event.occurred_at,
        )
    if entry.deleted:
        raise ValueError(f"{event.type} after {ENTRY_DELETED}")
    if event.version != entry.version + 1:
        raise ValueError(f"version {event.version} after {entry.version}")
    if event.type == ENTRY_RECORDED:
        raise ValueError(f"{ENTRY_RECORDED} twice")
    if event.type == ENTRY_REVISED:
        text_changed = bool(data.get("text_changed"))
        return replace(
            entry,
            version=event.version,
            content_version=event.version,
            text_version=event.version if text_changed else entry.text_version,
            content=event.content,
            self_rating=data.get("self_rating"),
            updated_at=event.occurred_at,
            # A reading of the old text says nothing of the new one.
            mood=None if text_changed else entry.mood,
        )
    if event.type == ENTRY_DELETED:
        return replace(
            entry,
            version=event.version,
            content_version=event.version,
            deleted=True,
            content=None,
            mood=None,
            updated_at=event.occurred_at,
        )
    if event.type == MOOD_ANALYSED:
        mood = mood_of(data, event.occurred_at)
        current = mood if mood.analysed_version >= entry.text_version else entry.mood
        return replace(entry, version=event.version, mood=current, analyses=(*entry.analyses, mood))
    raise ValueError(f"unknown event type {event.type}")


def mood_of(data: Mapping[str, Any], analysed_at: datetime) -> Mood:
    emotions = data["emotions"]
    return Mood(
        valence=float(data["valence"]),
        emotions={name: float(emotions.get(name, 0.0)) for name in EMOTIONS},
        label=str(data["label"]),
        model=str(data["model"]),
        analysed_version=int(data["analysed_version"]),
        analysed_at=analysed_at,
    )


def dominant(emotions: Mapping[str, float]) -> str:
    """The emotion with the largest share (the contract's order breaks ties)."""
    return max(EMOTIONS, key=lambda name: (emotions.get(name, 0.0), -EMOTIONS.index(name)))
