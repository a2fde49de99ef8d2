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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import Any, Protocol
from uuid import UUID

import orjson
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

    def apply(self, conn: Connection, event: RecordedEvent) -> None: ...


def _uid(value: Any) -> UUID:
    return UUID(str(value))


class EntriesProjection:
    name: str = "entries"
    tables: tuple[Table, ...] = (entries,)

    def apply(self, conn: Connection, event: RecordedEvent) -> None:
        data = event.data
        kind = event.type
        if kind == DIARY_ERASED:
            conn.execute(delete(entries).where(entries.c.user_id == _uid(data["user_id"])))
            return
        if kind not in (ENTRY_RECORDED, ENTRY_REVISED, ENTRY_DELETED, MOOD_ANALYSED):
            return
        entry_id = _uid(data["entry_id"])
        where = entries.c.entry_id == entry_id
        if kind == ENTRY_RECORDED:
            conn.execute(
                insert(entries).values(
                    entry_id=entry_id,
                    user_id=_uid(data["user_id"]),
                    version=event.version,
                    content_version=event.version,
                    text_version=event.version,
                    sealed=data["sealed"],
                    self_rating=data.get("self_rating"),
                    created_at=event.occurred_at,
                    updated_at=event.occurred_at,
                    mood=None,
                )
            )
        elif kind == ENTRY_REVISED:
            values: dict[str, Any] = {
                "version": event.version,
                "content_version": event.version,
                "sealed": data["sealed"],
                "self_rating": data.get("self_rating"),
                "updated_at": event.occurred_at,
            }
            if data.get("text_changed"):
                values.update(text_version=event.version, mood=None)
            conn.execute(update(entries).where(where).values(**values))
        elif kind == ENTRY_DELETED:
            conn.execute(delete(entries).where(where))
        else:  # MOOD_ANALYSED
            text_version = conn.execute(select(entries.c.text_version).where(where)).scalar()
            values = {"version": event.version}
            if text_version is not None and int(data["analysed_version"]) >= text_version:
                values["mood"] = orjson.dumps(_reading(data, event))
            conn.execute(update(entries).where(where).values(**values))


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
    name: str = "mood_days"
    tables: tuple[Table, ...] = (mood_days, mood_entries)

    def apply(self, conn: Connection, event: RecordedEvent) -> None:
        data = event.data
        kind = event.type
        if kind == DIARY_ERASED:
            user_id = _uid(data["user_id"])
            conn.execute(delete(mood_entries).where(mood_entries.c.user_id == user_id))
            conn.execute(delete(mood_days).where(mood_days.c.user_id == user_id))
            return
        if kind not in (ENTRY_RECORDED, ENTRY_REVISED, ENTRY_DELETED, MOOD_ANALYSED):
            return
        entry_id = _uid(data["entry_id"])
        where = mood_entries.c.entry_id == entry_id
        if kind == ENTRY_RECORDED:
            conn.execute(
                insert(mood_entries).values(
                    entry_id=entry_id,
                    user_id=_uid(data["user_id"]),
                    day=event.occurred_at.date(),
                    text_version=event.version,
                    valence=None,
                    emotions=None,
                )
            )
            return
        row = conn.execute(select(mood_entries).where(where)).first()
        if row is None:
            return
        if kind == ENTRY_REVISED:
            if not data.get("text_changed"):
                return
            conn.execute(
                update(mood_entries)
                .where(where)
                .values(text_version=event.version, valence=None, emotions=None)
            )
        elif kind == ENTRY_DELETED:
            conn.execute(delete(mood_entries).where(where))
        else:  # MOOD_ANALYSED
            if int(data["analysed_version"]) < row.text_version:
                return  # a reading of text that was revised since
            emotions = {name: float(data["emotions"].get(name, 0.0)) for name in EMOTIONS}
            conn.execute(
                update(mood_entries)
                .where(where)
                .values(valence=float(data["valence"]), emotions=orjson.dumps(emotions))
            )
        _recount_day(conn, row.user_id, row.day)


def _recount_day(conn: Connection, user_id: UUID, day: date) -> None:
    """The day's row from its entries' readings, summed exactly (fsum, in entry order), so
    that a rebuild gives the very same floats as the live projection."""
    readings = conn.execute(
        select(mood_entries.c.valence, mood_entries.c.emotions)
        .where(
            mood_entries.c.user_id == user_id,
            mood_entries.c.day == day,
            mood_entries.c.valence.is_not(None),
        )
        .order_by(mood_entries.c.entry_id)
    ).all()
    key = (mood_days.c.user_id == user_id) & (mood_days.c.day == day)
    conn.execute(delete(mood_days).where(key))
    if not readings:
        return
    count = len(readings)
    shares = [orjson.loads(r.emotions) for r in readings]
    means = {name: math.fsum(s[name] for s in shares) / count for name in EMOTIONS}
    conn.execute(
        insert(mood_days).values(
            user_id=user_id,
            day=day,
            entries=count,
            valence=math.fsum(r.valence for r in readings) / count,
            emotions=orjson.dumps(means),
            dominant=dominant(means),
        )
    )


PROJECTIONS: tuple[Projection, ...] = (EntriesProjection(), MoodDaysProjection())


@dataclass(frozen=True, slots=True)
class Progress:
    name: str
    events: int
    position: int


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
        """Apply every event past each projection's checkpoint; returns what moved."""
        done = []
        for name in names or self.names:
            projection = self.projection(name)
            total, position = 0, 0
            while True:
                applied, position = await self._db.run_write(
                    partial(self._batch_of, projection=projection), notify=False
                )
                total += applied
                if applied < self._batch:
                    break
            done.append(Progress(name, total, position))
        return done

    async def rebuild(self, names: Sequence[str] | None = None) -> list[Progress]:
        """Empty each projection and replay the whole store into it (one transaction each)."""
        done = []
        for name in names or self.names:
            projection = self.projection(name)
            applied, position = await self._db.run_write(
                partial(self._rebuild, projection=projection), notify=False
            )
            done.append(Progress(name, applied, position))
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

    def _batch_of(self, conn: Connection, projection: Projection) -> tuple[int, int]:
        position = _locked_checkpoint(conn, projection.name)
        batch = self._store.read_all(conn, after=position, limit=self._batch)
        for event in batch:
            projection.apply(conn, event)
        if batch:
            position = batch[-1].position
            _save_checkpoint(conn, projection.name, position)
        return len(batch), position

    def _rebuild(self, conn: Connection, projection: Projection) -> tuple[int, int]:
        _locked_checkpoint(conn, projection.name)
        for table in projection.tables:
            conn.execute(delete(table))
        position, total = 0, 0
        while True:
            batch = self._store.read_all(conn, after=position, limit=self._batch)
            for event in batch:
                projection.apply(conn, event)
            total += len(batch)
            if batch:
                position = batch[-1].position
            if len(batch) < self._batch:
                break
        _save_checkpoint(conn, projection.name, position)
        return total, position


_NEW_CHECKPOINT = text(
    "INSERT INTO diary_checkpoints (name, position) VALUES (:name, 0) ON CONFLICT (name) DO NOTHING"
)


def _locked_checkpoint(conn: Connection, name: str) -> int:
    """The projection's checkpoint, its row locked until the transaction ends (PostgreSQL;
    SQLite has one writer)."""
    conn.execute(_NEW_CHECKPOINT, {"name": name})
    query = select(checkpoints.c.position).where(checkpoints.c.name == name).with_for_update()
    return int(conn.execute(query).scalar() or 0)


def _save_checkpoint(conn: Connection, name: str, position: int) -> None:
    conn.execute(update(checkpoints).where(checkpoints.c.name == name).values(position=position))
