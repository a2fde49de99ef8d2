"""The diary's public face: the views REST serves and the `DiaryApi` protocol the mood role
and matching use (see the interface in the team notes: text for analysis, recording a mood,
the per-day mood timeline)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from pydantic import BaseModel, Field

from hubbub.kernel.clock import Timestamp
from hubbub.kernel.mood import MoodReading


class MoodView(BaseModel):
    valence: float = Field(ge=-1, le=1)
    emotions: dict[str, float] = Field(
        description="joy, sadness, anger, fear, surprise, neutral: each 0..1, summing to 1"
    )
    label: str = Field(description='The dominant emotion, or "uncertain"')
    model: str = Field(description="The model and its version that read the entry")


class EntryView(BaseModel):
    id: UUID
    title: str | None
    text: str
    created_at: Timestamp
    updated_at: Timestamp
    self_rating: int | None = Field(ge=1, le=5)
    tags: list[str]
    version: int = Field(description="The entry's stream version: send it back to change it")
    mood: MoodView | None = Field(description="null until the analyser has read this version")


class EntryList(BaseModel):
    entries: list[EntryView]
    has_more: bool


class MoodAnalysis(MoodView):
    analysed_version: int
    analysed_at: Timestamp


class ExportedEntry(EntryView):
    analyses: list[MoodAnalysis] = Field(description="Every mood reading, oldest first")


class DiaryExport(BaseModel):
    exported_at: Timestamp
    entries: list[ExportedEntry]


class MoodDayView(BaseModel):
    date: date
    valence: float
    entries: int = Field(description="Analysed entries written that day (UTC)")
    dominant_emotion: str


class MoodTimeline(BaseModel):
    days: list[MoodDayView]


@dataclass(frozen=True, slots=True)
class EntryText:
    """The text of an entry as it is at `version`, for the mood analyser only."""

    entry_id: UUID
    user_id: UUID
    version: int
    text: str


@dataclass(frozen=True, slots=True)
class MoodDay:
    """One person's analysed entries of one (UTC) day, from the timeline projection."""

    user_id: UUID
    date: date
    entries: int
    valence_mean: float
    emotions: Mapping[str, float]


class DiaryApi(Protocol):
    # -- what the author does (REST) ------------------------------------------------------

    async def write(
        self,
        *,
        user_id: UUID,
        text: str,
        title: str | None,
        self_rating: int | None,
        tags: Sequence[str],
    ) -> EntryView:
        """Record a new entry."""
        ...

    async def list_entries(self, *, user_id: UUID, limit: int, before_id: UUID | None) -> EntryList:
        """The author's entries, newest first."""
        ...

    async def get(self, *, user_id: UUID, entry_id: UUID) -> EntryView:
        """One entry of the author; NotFound for anyone else's or a deleted one."""
        ...

    async def revise(
        self,
        *,
        user_id: UUID,
        entry_id: UUID,
        seen_version: int,
        changes: Mapping[str, object],
    ) -> EntryView:
        """Change text, title, self_rating or tags (the keys present in `changes`);
        VersionConflict when the entry changed since `seen_version`."""
        ...

    async def delete(self, *, user_id: UUID, entry_id: UUID) -> None:
        """Delete an entry: its key is destroyed, its text unrecoverable."""
        ...

    async def export(self, *, user_id: UUID) -> DiaryExport:
        """Everything of the author's diary."""
        ...

    async def erase(self, *, user_id: UUID) -> None:
        """Erase the whole diary (idempotent)."""
        ...

    async def mood_timeline(self, *, user_id: UUID, days: int) -> MoodTimeline:
        """The author's analysed days among the last `days` (today included), oldest first."""
        ...

    # -- what the mood role uses ----------------------------------------------------------

    async def text_for_analysis(self, entry_id: UUID | str) -> EntryText | None:
        """The entry's text now, or None when it is deleted or erased."""
        ...

    async def record_mood(
        self, entry_id: UUID | str, analysed_version: int, reading: MoodReading
    ) -> bool:
        """Append MoodAnalysed; False (nothing appended) when the text changed since
        `analysed_version` or the entry is gone."""
        ...

    async def entries_for_reanalysis(self, after_entry_id: str | None, limit: int) -> list[str]:
        """Ids of live entries after `after_entry_id` (id order), at most `limit`."""
        ...

    # -- what matching uses ---------------------------------------------------------------

    async def mood_days_since(
        self, since: date, user_ids: Sequence[UUID | str] | None = None
    ) -> list[MoodDay]:
        """Analysed days on or after `since`, of `user_ids` (everyone when None)."""
        ...
