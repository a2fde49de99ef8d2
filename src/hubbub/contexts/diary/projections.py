"""CQRS read models of the diary, projected from the event store.

Each projection keeps a checkpoint (the last global position it applied) in
`diary_checkpoints`, written in the same transaction as its rows: a projector that dies
mid-batch rolls back both, and the next catch-up resumes from the last committed checkpoint,
so no event is applied twice or skipped (positions are gapless and in commit order, see
hubbub.infra.eventstore). On PostgreSQL the checkpoint row is locked for the batch, so
several processes may call `catch_up` at once.

- `entries`: one row per live entry (the content still sealed, as in the events), for the
  entry list, reanalysis and export.
- `mood_days`: per entry its day and current reading (`diary_mood_entries`), and per person
  and day the mean of the readings (`diary_mood_days`): the timeline and what matching reads.

`rebuild` empties a projection's tables and replays every event from position zero, in one
transaction; a test proves the result equals the live read model on both databases.
"""

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, Protocol
from uuid import UUID

import orjson
import structlog
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    bindparam,
    delete,
    insert,
    select,
    text,
    update,
)

from hubbub.contexts.diary.model import (
    DIARY_ERASED,
    ENTRY_DELETED,
    ENTRY_RECORDED,
    ENTRY_REVISED,
    MOOD_ANALYSED,
    dominant,
)
from hubbub.infra.db import Database, metadata
from hubbub.infra.db.schema import UtcDateTime, uuid_column_type
from hubbub.infra.eventstore import SqlEventStore
from hubbub.kernel.eventsourcing import RecordedEvent
from hubbub.kernel.mood import EMOTIONS

BATCH = 1000
REPLAY_BATCH = 5000
log = structlog.get_logger(__name__)

checkpoints = Table(
    "diary_checkpoints",
    metadata,
    Column("name", String(50), primary_key=True),
    Column("position", BigInteger, nullable=False),
)

entries = Table(
    "diary_entries",
    metadata,
    Column("entry_id", uuid_column_type(), primary_key=True),
    Column("user_id", uuid_column_type(), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_version", Integer, nullable=False),
    Column("text_version", Integer, nullable=False),
    Column("sealed", String, nullable=False),  # the content, sealed with the entry's key
    Column("self_rating", Integer, nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    Column("mood", LargeBinary, nullable=True),  # JSON of the current reading
    Index("ix_diary_entries_user_id_entry_id", "user_id", "entry_id"),
)

mood_entries = Table(
    "diary_mood_entries",
    metadata,
    Column("entry_id", uuid_column_type(), primary_key=True),
    Column("user_id", uuid_column_type(), nullable=False),
    Column("day", Date, nullable=False),
    Column("text_version", Integer, nullable=False),
    Column("valence", Float, nullable=True),
    Column("emotions", LargeBinary, nullable=True),
    Index("ix_diary_mood_entries_user_id_day", "user_id", "day"),
)

mood_days = Table(
    "diary_mood_days",
    metadata,
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("entries", Integer, nullable=False),
    Column("valence", Float, nullable=False),
    Column("emotions", LargeBinary, nullable=False),
    Column("dominant", String(20), nullable=False),
    Index("ix_diary_mood_days_day", "day"),
)


class Projection(Protocol):
    name: str
    tables: tuple[Table, ...]

    def apply_batch(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        """Apply `events` (in position order) in the caller's transaction."""
        ...

    def replay(self, events: Iterable[RecordedEvent]) -> dict[Table, list[dict[str, Any]]]:
        """The rows of the projection's tables after `events` from position zero, computed
        in memory (a rebuild inserts them in bulk; a test holds them equal to the live
        rows)."""
        ...


def _uid(value: Any) -> UUID:
    return UUID(str(value))


# The statements are built once: building one costs more than running it on SQLite.
_P = bindparam
_ENTRY = entries.c.entry_id == _P("b_entry_id")
_ENTRY_INSERT = insert(entries)
_ENTRY_REVISE = (
    update(entries)
    .where(_ENTRY)
    .values(
        version=_P("b_version"),
        content_version=_P("b_version"),
        sealed=_P("b_sealed"),
        self_rating=_P("b_self_rating"),
        updated_at=_P("b_updated_at"),
    )
)
_ENTRY_REVISE_TEXT = _ENTRY_REVISE.values(text_version=_P("b_version"), mood=None)
_ENTRY_DELETE = delete(entries).where(_ENTRY)
_ENTRY_TEXT_VERSION = select(entries.c.text_version).where(_ENTRY)
_ENTRY_VERSION = update(entries).where(_ENTRY).values(version=_P("b_version"))
_ENTRY_MOOD = update(entries).where(_ENTRY).values(version=_P("b_version"), mood=_P("b_mood"))
_ENTRY_ERASE = delete(entries).where(entries.c.user_id == _P("b_user_id"))

_MOOD_ENTRY = mood_entries.c.entry_id == _P("b_entry_id")
_MOOD_INSERT = insert(mood_entries)
_MOOD_ROW = select(mood_entries.c.user_id, mood_entries.c.day, mood_entries.c.text_version).where(
    _MOOD_ENTRY
)
_MOOD_REVISE = (
    update(mood_entries)
    .where(_MOOD_ENTRY)
    .values(text_version=_P("b_version"), valence=None, emotions=None)
)
_MOOD_DELETE = delete(mood_entries).where(_MOOD_ENTRY)
_MOOD_READING = (
    update(mood_entries)
    .where(_MOOD_ENTRY)
    .values(valence=_P("b_valence"), emotions=_P("b_emotions"))
)
_MOOD_ERASE_ENTRIES = delete(mood_entries).where(mood_entries.c.user_id == _P("b_user_id"))
_MOOD_ERASE_DAYS = delete(mood_days).where(mood_days.c.user_id == _P("b_user_id"))
_DAY_READINGS = (
    select(mood_entries.c.valence, mood_entries.c.emotions)
    .where(
        mood_entries.c.user_id == _P("b_user_id"),
        mood_entries.c.day == _P("b_day"),
        mood_entries.c.valence.is_not(None),
    )
    .order_by(mood_entries.c.entry_id)
)
_DAY_DELETE = delete(mood_days).where(
    (mood_days.c.user_id == _P("b_user_id")) & (mood_days.c.day == _P("b_day"))
)
_DAY_INSERT = insert(mood_days)


class EntriesProjection:
    name: str = "entries"
    tables: tuple[Table, ...] = (entries,)

    def apply_batch(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        for event in events:
            self.apply(conn, event)

    def replay(self, events: Iterable[RecordedEvent]) -> dict[Table, list[dict[str, Any]]]:
        rows = _replay_rows(
            events, recorded=self._recorded, revised=self._revised, analysed=self._analysed
        )
        return {entries: list(rows.values())}

    @staticmethod
    def _recorded(event: RecordedEvent, entry_id: UUID, user_id: UUID) -> dict[str, Any]:
        data = event.data
        return {
            "entry_id": entry_id,
            "user_id": user_id,
            "version": event.version,
            "content_version": event.version,
            "text_version": event.version,
            "sealed": data["sealed"],
            "self_rating": data.get("self_rating"),
            "created_at": event.occurred_at,
            "updated_at": event.occurred_at,
            "mood": None,
        }

    @staticmethod
    def _revised(row: dict[str, Any], event: RecordedEvent) -> None:
        data = event.data
        row.update(
            version=event.version,
            content_version=event.version,
            sealed=data["sealed"],
            self_rating=data.get("self_rating"),
            updated_at=event.occurred_at,
        )
        if data.get("text_changed"):
            row.update(text_version=event.version, mood=None)

    @staticmethod
    def _analysed(row: dict[str, Any], event: RecordedEvent) -> None:
        row["version"] = event.version
        if int(event.data["analysed_version"]) >= row["text_version"]:
            row["mood"] = orjson.dumps(_reading(event.data, event))

    def apply(self, conn: Connection, event: RecordedEvent) -> None:
        data = event.data
        kind = event.type
        if kind == DIARY_ERASED:
            conn.execute(_ENTRY_ERASE, {"b_user_id": _uid(data["user_id"])})
            return
        if kind not in (ENTRY_RECORDED, ENTRY_REVISED, ENTRY_DELETED, MOOD_ANALYSED):
            return
        entry_id = _uid(data["entry_id"])
        if kind == ENTRY_RECORDED:
            conn.execute(
                _ENTRY_INSERT,
                {
                    "entry_id": entry_id,
                    "user_id": _uid(data["user_id"]),
                    "version": event.version,
                    "content_version": event.version,
                    "text_version": event.version,
                    "sealed": data["sealed"],
                    "self_rating": data.get("self_rating"),
                    "created_at": event.occurred_at,
                    "updated_at": event.occurred_at,
                    "mood": None,
                },
            )
        elif kind == ENTRY_REVISED:
            statement = _ENTRY_REVISE_TEXT if data.get("text_changed") else _ENTRY_REVISE
            conn.execute(
                statement,
                {
                    "b_entry_id": entry_id,
                    "b_version": event.version,
                    "b_sealed": data["sealed"],
                    "b_self_rating": data.get("self_rating"),
                    "b_updated_at": event.occurred_at,
                },
            )
        elif kind == ENTRY_DELETED:
            conn.execute(_ENTRY_DELETE, {"b_entry_id": entry_id})
        else:  # MOOD_ANALYSED
            text_version = conn.execute(_ENTRY_TEXT_VERSION, {"b_entry_id": entry_id}).scalar()
            params: dict[str, Any] = {"b_entry_id": entry_id, "b_version": event.version}
            if text_version is not None and int(data["analysed_version"]) >= text_version:
                params["b_mood"] = orjson.dumps(_reading(data, event))
                conn.execute(_ENTRY_MOOD, params)
            else:
                conn.execute(_ENTRY_VERSION, params)


def _reading(data: Mapping[str, Any], event: RecordedEvent) -> dict[str, Any]:
    return {
        "valence": float(data["valence"]),
        "emotions": {name: float(data["emotions"].get(name, 0.0)) for name in EMOTIONS},
        "label": data["label"],
        "model": data["model"],
        "analysed_version": int(data["analysed_version"]),
        "analysed_at": event.occurred_at.isoformat(),
    }


class MoodDaysProjection:
    """Per entry its day and current reading; per person and day the means. The days a batch
    touched are recounted once, at the end of the batch (same transaction)."""

    name: str = "mood_days"
    tables: tuple[Table, ...] = (mood_days, mood_entries)

    def apply_batch(self, conn: Connection, events: Sequence[RecordedEvent]) -> None:
        dirty: set[tuple[UUID, date]] = set()
        for event in events:
            self._apply(conn, event, dirty)
        for user_id, day in sorted(dirty):
            _recount_day(conn, user_id, day)

    def replay(self, events: Iterable[RecordedEvent]) -> dict[Table, list[dict[str, Any]]]:
        rows = _replay_rows(
            events, recorded=self._recorded, revised=self._revised, analysed=self._analysed
        )
        days: dict[tuple[UUID, date], list[tuple[float, Mapping[str, float]]]] = {}
        for row in rows.values():
            if row["valence"] is not None:
                readings = days.setdefault((row["user_id"], row["day"]), [])
                readings.append((row["valence"], orjson.loads(row["emotions"])))
        day_rows = [_day_row(user_id, day, found) for (user_id, day), found in days.items()]
        return {mood_entries: list(rows.values()), mood_days: day_rows}

    @staticmethod
    def _recorded(event: RecordedEvent, entry_id: UUID, user_id: UUID) -> dict[str, Any]:
        return {
            "entry_id": entry_id,
            "user_id": user_id,
            "day": event.occurred_at.date(),
            "text_version": event.version,
            "valence": None,
            "emotions": None,
        }

    @staticmethod
    def _revised(row: dict[str, Any], event: RecordedEvent) -> None:
        if event.data.get("text_changed"):
            row.update(text_version=event.version, valence=None, emotions=None)

    @staticmethod
    def _analysed(row: dict[str, Any], event: RecordedEvent) -> None:
        data = event.data
        if int(data["analysed_version"]) >= row["text_version"]:
            emotions = {name: float(data["emotions"].get(name, 0.0)) for name in EMOTIONS}
            row.update(valence=float(data["valence"]), emotions=orjson.dumps(emotions))

    def _apply(self, conn: Connection, event: RecordedEvent, dirty: set[tuple[UUID, date]]) -> None:
        data = event.data
        kind = event.type
        if kind == DIARY_ERASED:
            user_id = _uid(data["user_id"])
            conn.execute(_MOOD_ERASE_ENTRIES, {"b_user_id": user_id})
            conn.execute(_MOOD_ERASE_DAYS, {"b_user_id": user_id})
            for touched in [d for d in dirty if d[0] == user_id]:
                dirty.discard(touched)
            return
        if kind not in (ENTRY_RECORDED, ENTRY_REVISED, ENTRY_DELETED, MOOD_ANALYSED):
            return
        entry_id = _uid(data["entry_id"])
        if kind == ENTRY_RECORDED:
            conn.execute(
                _MOOD_INSERT,
                {
                    "entry_id": entry_id,
                    "user_id": _uid(data["user_id"]),
                    "day": event.occurred_at.date(),
                    "text_version": event.version,
                    "valence": None,
                    "emotions": None,
                },
            )
            return
        if kind == ENTRY_REVISED and not data.get("text_changed"):
            return
        row = conn.execute(_MOOD_ROW, {"b_entry_id": entry_id}).first()
        if row is None:
            return
        if kind == ENTRY_REVISED:
            conn.execute(_MOOD_REVISE, {"b_entry_id": entry_id, "b_version": event.version})
        elif kind == ENTRY_DELETED:
            conn.execute(_MOOD_DELETE, {"b_entry_id": entry_id})
        else:  # MOOD_ANALYSED
            if int(data["analysed_version"]) < row.text_version:
                return  # a reading of text that was revised since
            emotions = {name: float(data["emotions"].get(name, 0.0)) for name in EMOTIONS}
            conn.execute(
                _MOOD_READING,
                {
                    "b_entry_id": entry_id,
                    "b_valence": float(data["valence"]),
                    "b_emotions": orjson.dumps(emotions),
                },
            )
        dirty.add((row.user_id, row.day))


def _recount_day(conn: Connection, user_id: UUID, day: date) -> None:
    """The day's row from its entries' readings, summed exactly (fsum, in entry order), so
    that a rebuild gives the very same floats as the live projection."""
    key = {"b_user_id": user_id, "b_day": day}
    readings = conn.execute(_DAY_READINGS, key).all()
    conn.execute(_DAY_DELETE, key)
    if readings:
        found = [(r.valence, orjson.loads(r.emotions)) for r in readings]
        conn.execute(_DAY_INSERT, _day_row(user_id, day, found))


def _day_row(
    user_id: UUID, day: date, readings: Sequence[tuple[float, Mapping[str, float]]]
) -> dict[str, Any]:
    """A day's row from its readings: exact sums (fsum), so that the same readings give the
    very same floats in whatever order they come."""
    count = len(readings)
    means = {name: math.fsum(e[name] for _, e in readings) / count for name in EMOTIONS}
    return {
        "user_id": user_id,
        "day": day,
        "entries": count,
        "valence": math.fsum(v for v, _ in readings) / count,
        "emotions": orjson.dumps(means),
        "dominant": dominant(means),
    }


PROJECTIONS: tuple[Projection, ...] = (EntriesProjection(), MoodDaysProjection())


@dataclass(frozen=True, slots=True)
class Progress:
    name: str
    events: int
    position: int
    busy: bool = False
    """Another transaction (a rebuild, another process's catch-up) holds the checkpoint: this
    catch-up left the projection to it (and to the next catch-up)."""


class Projector:
    """Runs the projections over the event store: `catch_up` after every write (and at
    start-up, for whatever a crashed process left), `rebuild` from position zero."""

    def __init__(
        self,
        db: Database,
        store: SqlEventStore,
        projections: Sequence[Projection] = PROJECTIONS,
        *,
        batch: int = BATCH,
    ) -> None:
        self._db = db
        self._store = store
        self._projections = {p.name: p for p in projections}
        self._batch = batch

    @property
    def names(self) -> list[str]:
        return list(self._projections)

    def projection(self, name: str) -> Projection:
        try:
            return self._projections[name]
        except KeyError:
            known = ", ".join(self._projections)
            raise LookupError(f"no projection {name!r} (known: {known})") from None

    async def catch_up(self, names: Sequence[str] | None = None) -> list[Progress]:
        """Apply every event past each projection's checkpoint; returns what moved. The
        projections advance together, one transaction per batch, reading each batch once. A
        projection whose checkpoint another transaction holds is skipped (`busy`), never
        waited for: a command must not wait out a rebuild."""
        pending = [self.projection(name) for name in names or self.names]
        totals = {p.name: 0 for p in pending}
        positions = {p.name: 0 for p in pending}
        busy: set[str] = set()
        while pending:
            read, moved = await self._db.run_write(
                partial(self._batches_of, projections=pending), notify=False
            )
            for projection, (applied, position) in zip(pending, moved, strict=True):
                if position is None:
                    busy.add(projection.name)
                    continue
                totals[projection.name] += applied
                positions[projection.name] = position
            pending = [p for p in pending if p.name not in busy]
            if read < self._batch:  # the head is reached
                break
        return [Progress(n, totals[n], positions[n], n in busy) for n in totals]

    def apply_appended(self, conn: Connection, appended: Sequence[RecordedEvent]) -> bool:
        """Project events in the transaction that appends them, for every projection that is
        exactly at the position before them (the usual case); one that lags is left to
        `catch_up`, so nothing is applied out of order or twice. The appender holds the
        store's position lock, so no other append can slip in between. True when every
        projection is now at the appended events."""
        if not appended:
            return True
        moved = {"b_from": appended[0].position - 1, "b_to": appended[-1].position}
        try:
            # One savepoint: a failing projection must not undo the append itself.
            with conn.begin_nested() as savepoint:
                for projection in self._projections.values():
                    # Only from exactly the position before; a projection that lags, or whose
                    # checkpoint a catch-up or rebuild holds (SKIP LOCKED: the append must not
                    # wait for it while holding the position lock), is left to catch_up.
                    name = {"b_name": projection.name}
                    at = conn.execute(_FREE_CHECKPOINT, name).scalar()
                    if at is None and moved["b_from"] == 0:  # the very first event
                        conn.execute(_NEW_CHECKPOINT, {"name": projection.name})
                        at = conn.execute(_FREE_CHECKPOINT, name).scalar()
                    if at != moved["b_from"]:
                        savepoint.rollback()
                        return False
                    projection.apply_batch(conn, appended)
                    conn.execute(_ADVANCE_CHECKPOINT, {**moved, **name})
        except Exception as exc:
            log.warning("diary_projection_failed", error=str(exc))
            return False
        return True

    async def rebuild(self, names: Sequence[str] | None = None) -> list[Progress]:
        """Empty each projection and replay the whole store into it (one transaction each)."""
        done = []
        for name in names or self.names:
            projection = self.projection(name)
            applied, position = await self._db.run_write(
                partial(self._rebuild, projection=projection), notify=False
            )
            # What was appended while it ran (appends do not wait for a rebuild).
            after = (await self.catch_up([name]))[0]
            done.append(Progress(name, applied + after.events, after.position or position))
        return done

    async def head(self) -> int:
        """The position of the last committed event."""
        async with self._db.read() as conn:
            return await conn.run_sync(self._store.head_position)

    async def positions(self) -> dict[str, int]:
        async with self._db.read() as conn:
            rows = (await conn.execute(select(checkpoints))).all()
        found = {row.name: int(row.position) for row in rows}
        return {name: found.get(name, 0) for name in self.names}

    def _batches_of(
        self, conn: Connection, projections: Sequence[Projection]
    ) -> tuple[int, list[tuple[int, int | None]]]:
        starts = [_free_checkpoint(conn, p.name) for p in projections]
        free = [start for start in starts if start is not None]
        if not free:
            return 0, [(0, None) for _ in projections]
        batch = self._store.read_all(conn, after=min(free), limit=self._batch)
        moved: list[tuple[int, int | None]] = []
        for projection, start in zip(projections, starts, strict=True):
            if start is None:
                moved.append((0, None))
                continue
            mine = [e for e in batch if e.position > start]
            projection.apply_batch(conn, mine)
            position = mine[-1].position if mine else start
            if mine:
                _save_checkpoint(conn, projection.name, position)
            moved.append((len(mine), position))
        return len(batch), moved

    def _rebuild(self, conn: Connection, projection: Projection) -> tuple[int, int]:
        _locked_checkpoint(conn, projection.name)
        read = {"events": 0, "position": 0}

        def every_event() -> Iterator[RecordedEvent]:
            while True:
                batch = self._store.read_all(conn, after=read["position"], limit=REPLAY_BATCH)
                yield from batch
                read["events"] += len(batch)
                if batch:
                    read["position"] = batch[-1].position
                if len(batch) < REPLAY_BATCH:
                    return

        tables = projection.replay(every_event())
        for table in projection.tables:
            conn.execute(delete(table))
            rows = tables.get(table, [])
            for start in range(0, len(rows), REPLAY_BATCH):
                conn.execute(insert(table), rows[start : start + REPLAY_BATCH])
        _save_checkpoint(conn, projection.name, read["position"])
        return read["events"], read["position"]


_FREE_CHECKPOINT = (
    select(checkpoints.c.position)
    .where(checkpoints.c.name == bindparam("b_name"))
    .with_for_update(skip_locked=True)
)
_ADVANCE_CHECKPOINT = (
    update(checkpoints)
    .where(checkpoints.c.name == bindparam("b_name"), checkpoints.c.position == bindparam("b_from"))
    .values(position=bindparam("b_to"))
)

_NEW_CHECKPOINT = text(
    "INSERT INTO diary_checkpoints (name, position) VALUES (:name, 0) ON CONFLICT (name) DO NOTHING"
)


def _free_checkpoint(conn: Connection, name: str) -> int | None:
    """The projection's checkpoint, its row locked until the transaction ends; None when
    another transaction holds it (PostgreSQL; SQLite has one writer)."""
    conn.execute(_NEW_CHECKPOINT, {"name": name})
    found = conn.execute(_FREE_CHECKPOINT, {"b_name": name}).scalar()
    return None if found is None else int(found)


def _locked_checkpoint(conn: Connection, name: str) -> int:
    """The projection's checkpoint, its row locked until the transaction ends (PostgreSQL;
    SQLite has one writer)."""
    conn.execute(_NEW_CHECKPOINT, {"name": name})
    query = select(checkpoints.c.position).where(checkpoints.c.name == name).with_for_update()
    return int(conn.execute(query).scalar() or 0)


def _save_checkpoint(conn: Connection, name: str, position: int) -> None:
    conn.execute(update(checkpoints).where(checkpoints.c.name == name).values(position=position))


def _replay_rows(
    events: Iterable[RecordedEvent],
    *,
    recorded: Callable[[RecordedEvent, UUID, UUID], dict[str, Any]],
    revised: Callable[[dict[str, Any], RecordedEvent], None],
    analysed: Callable[[dict[str, Any], RecordedEvent], None],
) -> dict[UUID, dict[str, Any]]:
    """A projection's rows per entry, folded in memory from the whole store (a rebuild): the
    life cycle every diary read model shares (recorded, deleted, a diary erased); what a row
    holds and how a revision or an analysis changes it is the projection's."""
    rows: dict[UUID, dict[str, Any]] = {}
    owned: dict[UUID, set[UUID]] = {}
    for event in events:
        data, kind = event.data, event.type
        if kind == DIARY_ERASED:
            for entry_id in owned.pop(_uid(data["user_id"]), set()):
                rows.pop(entry_id, None)
            continue
        if kind not in (ENTRY_RECORDED, ENTRY_REVISED, ENTRY_DELETED, MOOD_ANALYSED):
            continue
        entry_id = _uid(data["entry_id"])
        if kind == ENTRY_RECORDED:
            user_id = _uid(data["user_id"])
            rows[entry_id] = recorded(event, entry_id, user_id)
            owned.setdefault(user_id, set()).add(entry_id)
            continue
        row = rows.get(entry_id)
        if row is None:
            continue
        if kind == ENTRY_REVISED:
            revised(row, event)
        elif kind == ENTRY_DELETED:
            del rows[entry_id]
            owned.get(row["user_id"], set()).discard(entry_id)
        else:  # MOOD_ANALYSED
            analysed(row, event)
    return rows
