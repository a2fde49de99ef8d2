"""SqlDiaryStore: the diary's events in the event store, their content sealed (crypto-shredding).

Each entry gets a random 256-bit key in `diary_keys` (listed under its owner). Its text,
title and tags are sealed with AES-256-GCM under that key (the stream id is the associated
data, so a sealed blob cannot be moved to another entry) before they enter an event or a read
model; nothing else of an entry is ever written in clear. Deleting an entry deletes its key;
erasing a diary deletes every key of its owner - in the transaction that appends the event
saying so. The events stay (append-only) but nobody can open them again, and the read models
only ever hold the same sealed blobs. On SQLite `secure_delete` zeroes the freed key row and
a WAL checkpoint (`Database.forget_deleted`) drops its old page image.
"""

import base64
import os
from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Column, Connection, LargeBinary, Table, delete, insert, select

from hubbub.contexts.diary.api import MoodDay
from hubbub.contexts.diary.model import (
    Content,
    DomainEvent,
    Entry,
    diary_stream,
    entry_stream,
    fold,
)
from hubbub.contexts.diary.ports import Change, ListedEntry
from hubbub.contexts.diary.projections import Projector, entries, mood_days
from hubbub.infra.db import Database, metadata
from hubbub.infra.db.outbox import add_to_outbox
from hubbub.infra.db.schema import UtcDateTime, uuid_column_type
from hubbub.infra.eventstore import SqlEventStore
from hubbub.kernel.errors import NotFound
from hubbub.kernel.events import Event
from hubbub.kernel.eventsourcing import EventMetadata, NewEvent, RecordedEvent
from hubbub.kernel.mood import EMOTIONS

KEY_BYTES = 32
NONCE_BYTES = 12

keys = Table(
    "diary_keys",
    metadata,
    Column("entry_id", uuid_column_type(), primary_key=True),
    Column("user_id", uuid_column_type(), nullable=False, index=True),
    Column("key", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)


def seal(key: bytes, stream_id: str, content: Content) -> str:
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, orjson.dumps(content.to_dict()), stream_id.encode())
    return base64.b64encode(nonce + sealed).decode("ascii")


def unseal(key: bytes | None, stream_id: str, sealed: str) -> Content | None:
    """The content, or None when the key is gone (or does not fit)."""
    if key is None:
        return None
    raw = base64.b64decode(sealed)
    try:
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], stream_id.encode())
    except InvalidTag:
        return None
    return Content.from_dict(orjson.loads(plain))


class SqlDiaryStore:
    def __init__(self, db: Database, events: SqlEventStore, projector: Projector) -> None:
        self._db = db
        self._events = events
        self.projector = projector
        # Whether the read models may be behind the store (at start, after a failed or
        # skipped inline projection): `catch_up` is a no-op otherwise.
        self._lagging = True

    # -- the write side ---------------------------------------------------------------

    async def load(self, entry_id: UUID) -> Entry | None:
        """The entry folded from its stream (content opened), or None without a stream."""
        async with self._db.read() as conn:
            return await conn.run_sync(self._load, entry_id)

    def _load(self, conn: Connection, entry_id: UUID) -> Entry | None:
        stream = entry_stream(entry_id)
        recorded = self._events.read_stream(conn, stream)
        if not recorded:
            return None
        key = conn.execute(select(keys.c.key).where(keys.c.entry_id == entry_id)).scalar()
        return fold(_domain(e, key) for e in recorded)

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
        """Append to the entry's stream with its outbox rows, in one transaction. A new
        entry (expected version 0) gets its key here; `drop_key` destroys it. NotFound when
        the entry's key is gone (deleted or erased meanwhile)."""
        stream = entry_stream(entry_id)

        def work(conn: Connection) -> list[RecordedEvent]:
            if expected_version == 0:
                key = os.urandom(KEY_BYTES)
                conn.execute(
                    insert(keys).values(entry_id=entry_id, user_id=user_id, key=key, created_at=now)
                )
            else:
                query = select(keys.c.key).where(
                    keys.c.entry_id == entry_id, keys.c.user_id == user_id
                )
                found = conn.execute(query).scalar()
                if found is None:
                    raise NotFound("no such diary entry", code="entry_not_found")
                key = bytes(found)
            new = [
                NewEvent(
                    c.type,
                    {**c.data, "sealed": seal(key, stream, c.content)} if c.content else c.data,
                )
                for c in changes
            ]
            # The outbox row goes first: the append takes the store's position lock, held
            # until commit, and the less done after it, the more appends a second.
            add_to_outbox(conn, notices)
            recorded = self._events.append(
                conn, stream, new, expected_version=expected_version, occurred_at=now, meta=meta
            )
            if drop_key:
                conn.execute(delete(keys).where(keys.c.entry_id == entry_id))
            if not self.projector.apply_appended(conn, recorded):
                self._lagging = True
            return recorded

        recorded = await self._db.run_write(work)
        if drop_key:
            self._db.forget_deleted()
        return recorded

    async def erase(
        self, *, user_id: UUID, change: Change, meta: EventMetadata, now: datetime, notice: Event
    ) -> None:
        """Destroy every key of the person and append `change` to their diary stream."""

        def work(conn: Connection) -> None:
            conn.execute(delete(keys).where(keys.c.user_id == user_id))
            add_to_outbox(conn, [notice])
            new = [NewEvent(change.type, change.data)]
            recorded = self._events.append(
                conn, diary_stream(user_id), new, expected_version=None, occurred_at=now, meta=meta
            )
            if not self.projector.apply_appended(conn, recorded):
                self._lagging = True

        await self._db.run_write(work)
        self._db.forget_deleted()

    # -- the read side (projections) --------------------------------------------------

    async def catch_up(self, *, force: bool = False) -> None:
        if not (force or self._lagging):
            return
        self._lagging = False
        try:
            progress = await self.projector.catch_up()
        except BaseException:
            self._lagging = True
            raise
        if any(p.busy for p in progress):
            self._lagging = True  # someone else is projecting: look again next time

    async def list_entries(
        self, *, user_id: UUID, limit: int, before_id: UUID | None
    ) -> list[ListedEntry]:
        query = (
            select(entries, keys.c.key)
            .join(keys, keys.c.entry_id == entries.c.entry_id)
            .where(entries.c.user_id == user_id)
            .order_by(entries.c.entry_id.desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(entries.c.entry_id < before_id)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        listed = []
        for row in rows:
            content = unseal(row.key, entry_stream(row.entry_id), row.sealed)
            if content is None:
                continue
            listed.append(
                ListedEntry(
                    id=row.entry_id,
                    content=content,
                    self_rating=row.self_rating,
                    version=row.version,
                    created_at=row.created_at,
                    updated_at=row.updated_at,
                    mood=orjson.loads(row.mood) if row.mood is not None else None,
                )
            )
        return listed

    async def entry_ids_of(self, user_id: UUID) -> list[UUID]:
        query = (
            select(entries.c.entry_id)
            .where(entries.c.user_id == user_id)
            .order_by(entries.c.entry_id)
        )
        async with self._db.read() as conn:
            return list((await conn.execute(query)).scalars())

    async def entry_ids_after(self, after: UUID | None, limit: int) -> list[UUID]:
        query = select(entries.c.entry_id).order_by(entries.c.entry_id).limit(limit)
        if after is not None:
            query = query.where(entries.c.entry_id > after)
        async with self._db.read() as conn:
            return list((await conn.execute(query)).scalars())

    async def mood_days(
        self, *, since: date, until: date | None = None, user_ids: Sequence[UUID] | None = None
    ) -> list[MoodDay]:
        query = select(mood_days).where(mood_days.c.day >= since)
        if until is not None:
            query = query.where(mood_days.c.day <= until)
        if user_ids is not None:
            if not user_ids:
                return []
            query = query.where(mood_days.c.user_id.in_(list(user_ids)))
        query = query.order_by(mood_days.c.user_id, mood_days.c.day)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
        found = []
        for row in rows:
            shares = orjson.loads(row.emotions)
            found.append(
                MoodDay(
                    user_id=row.user_id,
                    date=row.day,
                    entries=row.entries,
                    valence_mean=row.valence,
                    emotions={name: float(shares.get(name, 0.0)) for name in EMOTIONS},
                )
            )
        return found


def _domain(event: RecordedEvent, key: bytes | None) -> DomainEvent:
    sealed = event.data.get("sealed")
    content = unseal(key, event.stream_id, sealed) if isinstance(sealed, str) else None
    return DomainEvent(event.type, event.version, event.occurred_at, event.data, content)
