"""A hand-rolled, append-only event store in the application's own database.

Why not the `eventsourcing` library: it is synchronous and brings its own connection pool, so
its appends cannot join the transaction that also writes our outbox row (and the diary's key
row); an event would then exist without its bus event, or the other way round. This store is
four SQL statements on the caller's connection, on SQLite and PostgreSQL alike.

Ordering. Every append first bumps the one-row counter `eventstore_head` (an upsert with
RETURNING). On PostgreSQL that row stays locked until the appending transaction ends, so
appends are serialised: positions are handed out in commit order and without gaps (a
rolled-back append gives its positions back). A reader that polls `position > checkpoint`
therefore never skips an event that commits late - the failure of plain sequences or
autoincrement ids, whose values are taken before commit. SQLite has one writer at a time
anyway. The lock is held only for the few statements of one append.

Concurrency. The stream's version is checked after the counter is taken, so the check cannot
race another append; a stale `expected_version` raises `VersionConflict`. A unique
(stream_id, version) index backs it.
"""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    func,
    insert,
    select,
    text,
)

from hubbub.infra.db.schema import UtcDateTime, metadata
from hubbub.kernel.eventsourcing import (
    EventMetadata,
    EventTypes,
    NewEvent,
    RecordedEvent,
    VersionConflict,
)

STREAM_ID_MAX = 100

events = Table(
    "eventstore_events",
    metadata,
    # Assigned from eventstore_head, never by the database: gapless and in commit order.
    Column("position", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("stream_id", String(STREAM_ID_MAX), nullable=False),
    Column("version", Integer, nullable=False),
    Column("type", String(100), nullable=False),
    Column("schema_version", Integer, nullable=False),
    Column("occurred_at", UtcDateTime, nullable=False),
    Column("metadata", LargeBinary, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Index("ix_eventstore_events_stream_id_version", "stream_id", "version", unique=True),
)

head = Table(
    "eventstore_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("position", BigInteger, nullable=False),
)

_TAKE_POSITIONS = text(
    "INSERT INTO eventstore_head (id, position) VALUES (1, :n) "
    "ON CONFLICT (id) DO UPDATE SET position = eventstore_head.position + :n "
    "RETURNING position"
)


class SqlEventStore:
    """Appends and reads events on the caller's connection (sync SQLAlchemy `Connection`:
    run it with `Database.run_write`, or `AsyncConnection.run_sync`)."""

    def __init__(self, types: EventTypes) -> None:
        self.types = types

    def append(
        self,
        conn: Connection,
        stream_id: str,
        new: Sequence[NewEvent],
        *,
        expected_version: int | None,
        occurred_at: datetime,
        meta: EventMetadata,
    ) -> list[RecordedEvent]:
        """Append `new` to the stream, in the caller's transaction. `expected_version` is the
        version the writer last saw (0: the stream must not exist yet; None: any).
        Raises VersionConflict when the stream is elsewhere."""
        if not new:
            return []
        if not 1 <= len(stream_id) <= STREAM_ID_MAX:
            raise ValueError("stream id: 1-100 characters")
        schema = [self.types.current(e.type) for e in new]
        last = int(conn.execute(_TAKE_POSITIONS, {"n": len(new)}).scalar_one())
        current = self.stream_version(conn, stream_id)
        if expected_version is not None and expected_version != current:
            raise VersionConflict(
                f"the stream is at version {current}, not {expected_version}",
            )
        first = last - len(new) + 1
        meta_bytes = orjson.dumps(meta.to_dict())
        recorded = [
            RecordedEvent(
                position=first + i,
                stream_id=stream_id,
                version=current + 1 + i,
                type=e.type,
                schema_version=schema[i],
                occurred_at=occurred_at,
                metadata=meta,
                data=dict(e.data),
            )
            for i, e in enumerate(new)
        ]
        conn.execute(
            insert(events),
            [
                {
                    "position": r.position,
                    "stream_id": r.stream_id,
                    "version": r.version,
                    "type": r.type,
                    "schema_version": r.schema_version,
                    "occurred_at": r.occurred_at,
                    "metadata": meta_bytes,
                    "payload": orjson.dumps(r.data),
                }
                for r in recorded
            ],
        )
        return recorded

    def stream_version(self, conn: Connection, stream_id: str) -> int:
        """The stream's last version (0 when it has no events)."""
        query = select(func.max(events.c.version)).where(events.c.stream_id == stream_id)
        found = conn.execute(query).scalar()
        return int(found or 0)

    def read_stream(self, conn: Connection, stream_id: str) -> list[RecordedEvent]:
        """Every event of the stream, in version order."""
        query = select(events).where(events.c.stream_id == stream_id).order_by(events.c.version)
        return [self._decode(row._mapping) for row in conn.execute(query)]

    def read_streams(self, conn: Connection, stream_ids: Sequence[str]) -> list[RecordedEvent]:
        """Every event of these streams, in position order."""
        if not stream_ids:
            return []
        query = select(events).where(events.c.stream_id.in_(stream_ids)).order_by(events.c.position)
        return [self._decode(row._mapping) for row in conn.execute(query)]

    def read_all(self, conn: Connection, *, after: int, limit: int) -> list[RecordedEvent]:
        """Up to `limit` events with a position above `after`, in position order."""
        query = (
            select(events).where(events.c.position > after).order_by(events.c.position).limit(limit)
        )
        return [self._decode(row._mapping) for row in conn.execute(query)]

    def head_position(self, conn: Connection) -> int:
        """The position of the last committed event (0 when there is none)."""
        return int(conn.execute(select(func.max(events.c.position))).scalar() or 0)

    def _decode(self, row: Any) -> RecordedEvent:
        raw_meta = orjson.loads(row["metadata"])
        return RecordedEvent(
            position=int(row["position"]),
            stream_id=row["stream_id"],
            version=int(row["version"]),
            type=row["type"],
            schema_version=int(row["schema_version"]),
            occurred_at=row["occurred_at"],
            metadata=EventMetadata(raw_meta.get("actor"), raw_meta.get("request_id")),
            data=self.types.upcast(
                row["type"], row["schema_version"], orjson.loads(row["payload"])
            ),
        )
