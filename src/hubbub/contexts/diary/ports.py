"""What the diary context needs: a store of its events (and the read models they feed)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol
from uuid import UUID

from hubbub.contexts.diary.api import MoodDay
from hubbub.contexts.diary.model import Content, Entry
from hubbub.kernel.events import Event
from hubbub.kernel.eventsourcing import EventMetadata, RecordedEvent


@dataclass(frozen=True, slots=True)
class Change:
    """An event to append to an entry's stream; the store seals `content`."""

    type: str
    data: dict[str, Any]
    content: Content | None = None


@dataclass(frozen=True, slots=True)
class ListedEntry:
    """A row of the entry list, opened."""

    id: UUID
    content: Content
    self_rating: int | None
    version: int
    created_at: datetime
    updated_at: datetime
    mood: dict[str, Any] | None


class DiaryStore(Protocol):
    async def load(self, entry_id: UUID) -> Entry | None:
        """The entry folded from its stream (content None once its key is gone)."""
        ...

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
        """Append to the entry's stream and `notices` to the outbox, in one transaction;
        expected version 0 creates the entry's key, `drop_key` destroys it. VersionConflict
        when the stream moved on; NotFound when the key is gone."""
        ...

    async def erase(
        self, *, user_id: UUID, change: Change, meta: EventMetadata, now: datetime, notice: Event
    ) -> None:
        """Destroy every key of the person, append `change` to their diary stream."""
        ...

    async def catch_up(self, *, force: bool = False) -> None:
        """Bring every projection up to the head of the store (`force`: even when this
        process's own appends were all projected inline)."""
        ...

    async def list_entries(
        self, *, user_id: UUID, limit: int, before_id: UUID | None
    ) -> list[ListedEntry]: ...

    async def entry_ids_of(self, user_id: UUID) -> list[UUID]: ...

    async def entry_ids_after(self, after: UUID | None, limit: int) -> list[UUID]: ...

    async def mood_days(
        self, *, since: date, until: date | None = None, user_ids: Sequence[UUID] | None = None
    ) -> list[MoodDay]: ...
