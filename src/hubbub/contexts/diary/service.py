"""LocalDiaryApi: the event-sourced diary in this process.

Commands load the entry by folding its stream, check the rules (model.py), append with the
version they loaded (a concurrent append makes that a VersionConflict, and the command is
retried on the fresh state) and then bring the projections up to date, so that the author
reads their own writes. Queries read the projections, except a single entry, which is folded
from its events.
"""

from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import structlog

from hubbub.contexts.diary import model
from hubbub.contexts.diary.api import (
    DiaryExport,
    EntryList,
    EntryText,
    EntryView,
    ExportedEntry,
    MoodAnalysis,
    MoodDay,
    MoodDayView,
    MoodTimeline,
    MoodView,
)
from hubbub.contexts.diary.events import DiaryErased, EntryDeleted, EntryWritten, MoodAnalysed
from hubbub.contexts.diary.model import Content, Entry, Mood
from hubbub.contexts.diary.ports import Change, DiaryStore, ListedEntry
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import Invalid, NotFound
from hubbub.kernel.eventsourcing import EventMetadata, VersionConflict
from hubbub.kernel.ids import new_id, parse_id
from hubbub.kernel.mood import EMOTIONS, MoodReading

TIMELINE_DAYS_MAX = model.TIMELINE_DAYS_MAX
RETRIES = 5
MOOD_ACTOR = "system:mood"

log = structlog.get_logger(__name__)


def _not_found() -> NotFound:
    # One answer for unknown, foreign, deleted and erased entries: nothing leaks.
    return NotFound("no such diary entry", code="entry_not_found")


def _meta(actor: str) -> EventMetadata:
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    return EventMetadata(
        actor=actor, request_id=request_id if isinstance(request_id, str) else None
    )


def _as_id(value: UUID | str | None) -> UUID | None:
    if value is None or isinstance(value, UUID):
        return value
    return parse_id(value)


class LocalDiaryApi:
    def __init__(self, *, store: DiaryStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    # -- commands of the author ---------------------------------------------------------

    async def write(
        self,
        *,
        user_id: UUID,
        text: str,
        title: str | None,
        self_rating: int | None,
        tags: Sequence[str],
    ) -> EntryView:
        content = Content(
            model.check_text(text), model.check_title(title), tuple(model.check_tags(tags))
        )
        rating = model.check_rating(self_rating)
        entry_id = new_id()
        now = self._clock.now()
        data = {"entry_id": str(entry_id), "user_id": str(user_id), "self_rating": rating}
        await self._store.append(
            entry_id=entry_id,
            user_id=user_id,
            changes=[Change(model.ENTRY_RECORDED, data, content)],
            expected_version=0,
            meta=_meta(str(user_id)),
            now=now,
            notices=[EntryWritten(entry_id, user_id, 1, now)],
        )
        await self._project()
        return await self.get(user_id=user_id, entry_id=entry_id)

    async def revise(
        self,
        *,
        user_id: UUID,
        entry_id: UUID,
        seen_version: int,
        changes: Mapping[str, object],
    ) -> EntryView:
        unknown = set(changes) - {"text", "title", "self_rating", "tags"}
        if unknown:
            raise Invalid(f"cannot change {', '.join(sorted(unknown))}", code="validation_error")
        checked = _checked_changes(changes)
        for _ in range(RETRIES):
            entry = await self._own(user_id, entry_id)
            model.check_fresh(entry, seen_version)
            assert entry.content is not None
            content = Content(
                checked.get("text", entry.content.text),
                checked.get("title", entry.content.title),
                tuple(checked.get("tags", entry.content.tags)),
            )
            rating = checked.get("self_rating", entry.self_rating)
            if content == entry.content and rating == entry.self_rating:
                return _view(entry)  # nothing changed: no event
            text_changed = content.text != entry.content.text
            now = self._clock.now()
            version = entry.version + 1
            data = {
                "entry_id": str(entry_id),
                "user_id": str(user_id),
                "self_rating": rating,
                "text_changed": text_changed,
            }
            notices = [EntryWritten(entry_id, user_id, version, now)] if text_changed else []
            try:
                await self._store.append(
                    entry_id=entry_id,
                    user_id=user_id,
                    changes=[Change(model.ENTRY_REVISED, data, content)],
                    expected_version=entry.version,
                    meta=_meta(str(user_id)),
                    now=now,
                    notices=notices,
                )
            except VersionConflict:
                continue  # someone appended meanwhile: decide again on the fresh state
            await self._project()
            return await self.get(user_id=user_id, entry_id=entry_id)
        raise VersionConflict("the entry keeps changing; try again")

    async def delete(self, *, user_id: UUID, entry_id: UUID) -> None:
        for _ in range(RETRIES):
            entry = await self._own(user_id, entry_id)
            data = {"entry_id": str(entry_id), "user_id": str(user_id)}
            try:
                await self._store.append(
                    entry_id=entry_id,
                    user_id=user_id,
                    changes=[Change(model.ENTRY_DELETED, data)],
                    expected_version=entry.version,
                    meta=_meta(str(user_id)),
                    now=self._clock.now(),
                    notices=[EntryDeleted(entry_id, user_id, entry.version + 1)],
                    drop_key=True,
                )
            except VersionConflict:
                continue
            await self._project()
            return
        raise VersionConflict("the entry keeps changing; try again")

    async def erase(self, *, user_id: UUID) -> None:
        """Every key of the person destroyed, `DiaryErased` appended, `diary.erased` sent."""
        await self._store.erase(
            user_id=user_id,
            change=Change(model.DIARY_ERASED, {"user_id": str(user_id)}),
            meta=_meta(str(user_id)),
            now=self._clock.now(),
            notice=DiaryErased(user_id),
        )
        await self._project()

    # -- queries of the author ----------------------------------------------------------

    async def get(self, *, user_id: UUID, entry_id: UUID) -> EntryView:
        return _view(await self._own(user_id, entry_id))

    async def list_entries(self, *, user_id: UUID, limit: int, before_id: UUID | None) -> EntryList:
        await self._project()  # a no-op unless this process saw the read models lag
        rows = await self._store.list_entries(user_id=user_id, limit=limit + 1, before_id=before_id)
        return EntryList(
            entries=[_listed_view(r) for r in rows[:limit]], has_more=len(rows) > limit
        )

    async def export(self, *, user_id: UUID) -> DiaryExport:
        await self._project()
        exported = []
        for entry_id in await self._store.entry_ids_of(user_id):
            entry = await self._store.load(entry_id)
            if entry is None or entry.deleted or entry.content is None:
                continue
            analyses = [MoodAnalysis(**_mood_fields(m)) for m in entry.analyses]
            exported.append(ExportedEntry(**_view(entry).model_dump(), analyses=analyses))
        return DiaryExport(exported_at=self._clock.now(), entries=exported)

    async def mood_timeline(self, *, user_id: UUID, days: int) -> MoodTimeline:
        if not 1 <= days <= TIMELINE_DAYS_MAX:
            raise Invalid(f"days: 1 to {TIMELINE_DAYS_MAX}", code="invalid_days")
        await self._project()
        today = self._clock.now().date()
        found = await self._store.mood_days(
            since=today - timedelta(days=days - 1), until=today, user_ids=[user_id]
        )
        return MoodTimeline(
            days=[
                MoodDayView(
                    date=d.date,
                    valence=d.valence_mean,
                    entries=d.entries,
                    dominant_emotion=model.dominant(d.emotions),
                )
                for d in found
            ]
        )

    # -- the mood role ------------------------------------------------------------------

    async def text_for_analysis(self, entry_id: UUID | str) -> EntryText | None:
        entry = await self._live(entry_id)
        if entry is None or entry.content is None:
            return None
        return EntryText(entry.id, entry.user_id, entry.version, entry.content.text)

    async def record_mood(
        self, entry_id: UUID | str, analysed_version: int, reading: MoodReading
    ) -> bool:
        emotions = {name: float(reading.emotions.get(name, 0.0)) for name in EMOTIONS}
        for _ in range(RETRIES):
            entry = await self._live(entry_id)
            if entry is None or not entry.text_version <= analysed_version <= entry.version:
                return False
            now = self._clock.now()
            data = {
                "entry_id": str(entry.id),
                "user_id": str(entry.user_id),
                "analysed_version": analysed_version,
                "valence": float(reading.valence),
                "emotions": emotions,
                "label": reading.label,
                "model": reading.model,
            }
            notice = MoodAnalysed(
                entry.id,
                entry.user_id,
                analysed_version,
                entry.created_at,
                float(reading.valence),
                emotions,
                reading.label,
                reading.model,
            )
            try:
                await self._store.append(
                    entry_id=entry.id,
                    user_id=entry.user_id,
                    changes=[Change(model.MOOD_ANALYSED, data)],
                    expected_version=entry.version,
                    meta=_meta(MOOD_ACTOR),
                    now=now,
                    notices=[notice],
                )
            except VersionConflict:
                continue
            except NotFound:
                return False  # deleted or erased meanwhile
            await self._project()
            return True
        return False

    async def entries_for_reanalysis(self, after_entry_id: str | None, limit: int) -> list[str]:
        after = _as_id(after_entry_id)
        if after_entry_id is not None and after is None:
            raise Invalid("after_entry_id: not an id", code="validation_error")
        await self._project()
        ids = await self._store.entry_ids_after(after, max(1, min(limit, 10_000)))
        return [str(i) for i in ids]

    # -- matching -----------------------------------------------------------------------

    async def mood_days_since(
        self, since: date, user_ids: Sequence[UUID | str] | None = None
    ) -> list[MoodDay]:
        await self._project()
        wanted = None
        if user_ids is not None:
            wanted = [u for u in (_as_id(v) for v in user_ids) if u is not None]
        return await self._store.mood_days(since=since, user_ids=wanted)

    # -- plumbing -----------------------------------------------------------------------

    async def catch_up(self) -> None:
        """Bring the read models up to date (at start-up: a crash may have left them behind)."""
        await self._store.catch_up(force=True)

    async def _project(self) -> None:
        try:
            await self._store.catch_up()
        except Exception as exc:  # the events are committed; the next catch-up projects them
            log.warning("diary_projection_failed", error=str(exc))

    async def _own(self, user_id: UUID, entry_id: UUID) -> Entry:
        entry = await self._live(entry_id)
        if entry is None or entry.user_id != user_id:
            raise _not_found()
        return entry

    async def _live(self, entry_id: UUID | str) -> Entry | None:
        """The entry if it exists and can be read (not deleted, its key not destroyed)."""
        wanted = _as_id(entry_id)
        if wanted is None:
            return None
        entry = await self._store.load(wanted)
        if entry is None or entry.deleted or entry.content is None:
            return None
        return entry


def _checked_changes(changes: Mapping[str, object]) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    if "text" in changes:
        text = changes["text"]
        if not isinstance(text, str):
            raise Invalid("text: a string", code="invalid_text")
        checked["text"] = model.check_text(text)
    if "title" in changes:
        title = changes["title"]
        if title is not None and not isinstance(title, str):
            raise Invalid("title: a string or null", code="invalid_title")
        checked["title"] = model.check_title(title)
    if "tags" in changes:
        tags = changes["tags"]
        if not isinstance(tags, list | tuple) or not all(isinstance(t, str) for t in tags):
            raise Invalid("tags: a list of strings", code="invalid_tags")
        checked["tags"] = model.check_tags(tags)
    if "self_rating" in changes:
        rating = changes["self_rating"]
        if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int)):
            raise Invalid("self_rating: 1 to 5, or null", code="invalid_rating")
        checked["self_rating"] = model.check_rating(rating)
    return checked


def _mood_fields(mood: Mood) -> dict[str, Any]:
    return {
        "valence": max(-1.0, min(1.0, mood.valence)),
        "emotions": dict(mood.emotions),
        "label": mood.label,
        "model": mood.model,
        "analysed_version": mood.analysed_version,
        "analysed_at": mood.analysed_at,
    }


def _mood_view(mood: Mood | None) -> MoodView | None:
    if mood is None:
        return None
    fields = _mood_fields(mood)
    return MoodView(
        valence=fields["valence"], emotions=fields["emotions"], label=mood.label, model=mood.model
    )


def _view(entry: Entry) -> EntryView:
    if entry.content is None:
        raise _not_found()
    return EntryView(
        id=entry.id,
        title=entry.content.title,
        text=entry.content.text,
        created_at=entry.created_at,
        updated_at=entry.updated_at,
        self_rating=entry.self_rating,
        tags=list(entry.content.tags),
        version=entry.version,
        mood=_mood_view(entry.mood),
    )


def _listed_view(row: ListedEntry) -> EntryView:
    mood = None
    if row.mood is not None:
        mood = MoodView(
            valence=max(-1.0, min(1.0, float(row.mood["valence"]))),
            emotions=row.mood["emotions"],
            label=row.mood["label"],
            model=row.mood["model"],
        )
    return EntryView(
        id=row.id,
        title=row.content.title,
        text=row.content.text,
        created_at=row.created_at,
        updated_at=row.updated_at,
        self_rating=row.self_rating,
        tags=list(row.content.tags),
        version=row.version,
        mood=mood,
    )
