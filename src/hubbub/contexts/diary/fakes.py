"""An in-memory DiaryStore for unit tests: the same streams, versions, keys and outbox rules
as SqlDiaryStore, its read side computed by folding the streams (no projection to lag)."""

import math
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from hubbub.contexts.diary.api import MoodDay
from hubbub.contexts.diary.model import (
    DomainEvent,
    Entry,
    diary_stream,
    entry_stream,
    fold,
)
from hubbub.contexts.diary.ports import Change, ListedEntry
from hubbub.kernel.errors import NotFound
from hubbub.kernel.events import Event
from hubbub.kernel.eventsourcing import EventMetadata, RecordedEvent, VersionConflict
from hubbub.kernel.mood import EMOTIONS


class InMemoryDiaryStore:
    def __init__(self) -> None:
        self.streams: dict[str, list[DomainEvent]] = {}
        self.keys: dict[UUID, UUID] = {}  # entry id -> owner: "the key exists"
        self.outbox: list[Event] = []
        self.position = 0

    async def load(self, entry_id: UUID) -> Entry | None:
        return self._fold(entry_id)

    async def append(
        self,
        *,
        entry_id: UUID,
        user_id: UUID,
        changes: Sequence[Change],
        expected_version: int,
        meta: EventMetadata,
        now: datetime,
        notices: Sequence[Event] = (),
        drop_key: bool = False,
    ) -> list[RecordedEvent]:
        stream = entry_stream(entry_id)
        current = self.streams.get(stream, [])
        if expected_version == 0:
            if current:
                raise VersionConflict("the stream exists")
            self.keys[entry_id] = user_id
        elif self.keys.get(entry_id) != user_id:
            raise NotFound("no such diary entry", code="entry_not_found")
        if len(current) != expected_version:
            raise VersionConflict(f"the stream is at version {len(current)}")
        recorded = []
        for change in changes:
            version = len(current) + 1
            current.append(DomainEvent(change.type, version, now, change.data, change.content))
            self.position += 1
            recorded.append(
                RecordedEvent(
                    self.position, stream, version, change.type, 1, now, meta, change.data
                )
            )
        self.streams[stream] = current
        if drop_key:
            del self.keys[entry_id]
        self.outbox.extend(notices)
        return recorded

    async def erase(
        self, *, user_id: UUID, change: Change, meta: EventMetadata, now: datetime, notice: Event
    ) -> None:
        for entry_id in [e for e, owner in self.keys.items() if owner == user_id]:
            del self.keys[entry_id]
        stream = self.streams.setdefault(diary_stream(user_id), [])
        stream.append(DomainEvent(change.type, len(stream) + 1, now, change.data))
        self.position += 1
        self.outbox.append(notice)

    async def catch_up(self, *, force: bool = False) -> None:
        return None  # the read side folds the streams each time

    async def list_entries(
        self, *, user_id: UUID, limit: int, before_id: UUID | None
    ) -> list[ListedEntry]:
        found = [
            e
            for e in self._live()
            if e.user_id == user_id and (before_id is None or e.id < before_id)
        ]
        found.sort(key=lambda e: e.id, reverse=True)
        return [_listed(e) for e in found[:limit]]

    async def entry_ids_of(self, user_id: UUID) -> list[UUID]:
        return sorted(e.id for e in self._live() if e.user_id == user_id)

    async def entry_ids_after(self, after: UUID | None, limit: int) -> list[UUID]:
        return sorted(e.id for e in self._live() if after is None or e.id > after)[:limit]

    async def mood_days(
        self, *, since: date, until: date | None = None, user_ids: Sequence[UUID] | None = None
    ) -> list[MoodDay]:
        days: dict[tuple[UUID, date], list[Entry]] = {}
        for entry in sorted(self._live(), key=lambda e: e.id):
            day = entry.created_at.date()
            if entry.mood is None or day < since or (until is not None and day > until):
                continue
            if user_ids is not None and entry.user_id not in user_ids:
                continue
            days.setdefault((entry.user_id, day), []).append(entry)
        found = []
        for (user_id, day), group in sorted(days.items()):
            moods = [e.mood for e in group if e.mood is not None]
            found.append(
                MoodDay(
                    user_id=user_id,
                    date=day,
                    entries=len(moods),
                    valence_mean=math.fsum(m.valence for m in moods) / len(moods),
                    emotions={
                        n: math.fsum(m.emotions[n] for m in moods) / len(moods) for n in EMOTIONS
                    },
                )
            )
        return found

    def _fold(self, entry_id: UUID) -> Entry | None:
        events = self.streams.get(entry_stream(entry_id))
        if not events:
            return None
        readable = entry_id in self.keys
        return fold(
            DomainEvent(e.type, e.version, e.occurred_at, e.data, e.content if readable else None)
            for e in events
        )

    def _live(self) -> list[Entry]:
        found = []
        for entry_id in list(self.keys):
            entry = self._fold(entry_id)
            if entry is not None and not entry.deleted and entry.content is not None:
                found.append(entry)
        return found


def _listed(entry: Entry) -> ListedEntry:
    assert entry.content is not None
    mood: dict[str, Any] | None = None
    if entry.mood is not None:
        mood = {
            "valence": entry.mood.valence,
            "emotions": dict(entry.mood.emotions),
            "label": entry.mood.label,
            "model": entry.mood.model,
        }
    return ListedEntry(
        id=entry.id,
        content=entry.content,
        self_rating=entry.self_rating,
        version=entry.version,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        mood=mood,
    )
