"""SQLAlchemy tables (prefixed `messages_`) and SqlMessageStore, the group-commit write path."""

from collections import defaultdict
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    case,
    insert,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from hubbub.contexts.messages.api import ChatActivity, MessageBrief, MessageView
from hubbub.contexts.messages.events import MessagePosted
from hubbub.contexts.messages.model import Draft
from hubbub.infra.db import Database, metadata
from hubbub.infra.db.outbox import add_to_outbox
from hubbub.infra.db.schema import UtcDateTime, uuid_column_type
from hubbub.kernel.ids import new_id

messages = Table(
    "messages_messages",
    metadata,
    Column("id", uuid_column_type(), primary_key=True),
    Column("chat_id", uuid_column_type(), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("sender_id", uuid_column_type(), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("edited_at", UtcDateTime, nullable=True),
    Column("ai_generated", Boolean, nullable=False, default=False),
    Column("request_id", String(100), nullable=True),
    UniqueConstraint("chat_id", "seq", name="uq_messages_messages_chat_seq"),
    UniqueConstraint("chat_id", "sender_id", "request_id", name="uq_messages_messages_idempotency"),
)

# One row per chat: the seq counter. Its upsert takes the row lock that serialises writers
# of one chat across processes, which is what keeps seqs gapless.
heads = Table(
    "messages_chat_heads",
    metadata,
    Column("chat_id", uuid_column_type(), primary_key=True),
    Column("last_seq", Integer, nullable=False),
    Column("last_message_id", uuid_column_type(), nullable=True),
)

cursors = Table(
    "messages_read_cursors",
    metadata,
    Column("chat_id", uuid_column_type(), primary_key=True),
    Column("user_id", uuid_column_type(), primary_key=True),
    Column("last_read_seq", Integer, nullable=False),
    Index("ix_messages_read_cursors_user_id", "user_id"),
)


class SqlMessageStore:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._insert = sqlite_insert if db.is_sqlite else pg_insert

    async def append(self, drafts: list[Draft], now: datetime) -> list[tuple[MessageView, bool]]:
        try:
            return await self._db.run_write(lambda conn: self._append_txn(conn, drafts, now))
        except IntegrityError:
            pass
        # Another process committed one of these request ids first: redo one by one, so
        # that the retry finds its original and the other drafts are not held back by it.
        results: list[tuple[MessageView, bool]] = []
        for draft in drafts:
            results.extend(
                await self._db.run_write(lambda conn, d=draft: self._append_txn(conn, [d], now))  # type: ignore[misc]
            )
        return results

    # The transaction body is synchronous so that, on SQLite, a whole batch costs one hop to
    # the writer thread; see Database.run_write. Five statements, whatever the batch size.

    def _append_txn(
        self, conn: Connection, drafts: list[Draft], now: datetime
    ) -> list[tuple[MessageView, bool]]:
        existing = self._existing_txn(conn, drafts)
        # Drafts that are new, each idempotency key once (a retry racing its original
        # inside one batch gets the original's result).
        fresh: list[Draft] = []
        for draft in drafts:
            key = draft.idempotency_key
            if key is None or key not in existing:
                fresh.append(draft)
                if key is not None:
                    existing[key] = None  # claimed by this batch
        by_chat: dict[UUID, list[Draft]] = defaultdict(list)
        for draft in fresh:
            by_chat[draft.chat_id].append(draft)
        ids = {chat_id: [new_id() for _ in group] for chat_id, group in by_chat.items()}
        last_seqs = self._bump_heads_txn(conn, ids)
        written: dict[int, MessageView] = {}
        for chat_id, group in by_chat.items():
            first = last_seqs[chat_id] - len(group) + 1
            for offset, (draft, message_id) in enumerate(zip(group, ids[chat_id], strict=True)):
                written[id(draft)] = MessageView(
                    id=message_id,
                    chat_id=chat_id,
                    seq=first + offset,
                    sender_id=draft.sender_id,
                    text=draft.text,
                    created_at=now,
                    ai_generated=draft.ai_generated,
                    request_id=draft.request_id,
                )
        views = list(written.values())
        if views:
            conn.execute(insert(messages), [_message_row(v) for v in views])
            self._advance_senders_txn(conn, views)
            add_to_outbox(conn, [MessagePosted.of(v) for v in views])
        by_key = {
            (v.chat_id, v.sender_id, v.request_id): v for v in views if v.request_id is not None
        }
        results: list[tuple[MessageView, bool]] = []
        for draft in drafts:
            if id(draft) in written:
                results.append((written.pop(id(draft)), True))
                continue
            key = draft.idempotency_key
            assert key is not None
            original = existing.get(key) or by_key[key]
            results.append((original, False))
        return results

    def _existing_txn(
        self, conn: Connection, drafts: list[Draft]
    ) -> dict[tuple[UUID, UUID, str], MessageView | None]:
        keys = {d.idempotency_key for d in drafts if d.idempotency_key is not None}
        if not keys:
            return {}
        query = select(messages).where(_idempotency_lookup(keys))
        found: dict[tuple[UUID, UUID, str], MessageView | None] = {}
        for row in conn.execute(query):
            view = _view(row._mapping)
            found[(view.chat_id, view.sender_id, view.request_id or "")] = view
        return found

    def _bump_heads_txn(self, conn: Connection, ids: dict[UUID, list[UUID]]) -> dict[UUID, int]:
        """Advance each chat's counter by its number of new messages; the new last seqs.

        The upsert takes each counter row's lock until commit, which is what keeps seqs
        gapless when several processes write to one chat. Rows are locked in chat id order,
        the same in every process, so two batches sharing chats wait for each other instead
        of deadlocking.
        """
        if not ids:
            return {}
        rows = [
            {"chat_id": chat_id, "last_seq": len(ids[chat_id]), "last_message_id": ids[chat_id][-1]}
            for chat_id in sorted(ids)
        ]
        statement = self._insert(heads).values(rows)
        statement = statement.on_conflict_do_update(
            index_elements=[heads.c.chat_id],
            set_={
                "last_seq": heads.c.last_seq + statement.excluded.last_seq,
                "last_message_id": statement.excluded.last_message_id,
            },
        )
        returned = conn.execute(statement.returning(heads.c.chat_id, heads.c.last_seq))
        return {row.chat_id: int(row.last_seq) for row in returned}

    def _advance_senders_txn(self, conn: Connection, views: list[MessageView]) -> None:
        # Own messages are never unread: sending moves the sender's cursor to it.
        newest: dict[tuple[UUID, UUID], int] = {}
        for v in views:
            key = (v.chat_id, v.sender_id)
            newest[key] = max(newest.get(key, 0), v.seq)
        rows = [
            {"chat_id": c, "user_id": u, "last_read_seq": newest[c, u]} for c, u in sorted(newest)
        ]  # in key order, as the heads: concurrent batches never lock in opposite orders
        conn.execute(self._cursor_upsert(rows))

    def _cursor_upsert(self, rows: list[dict[str, Any]]) -> Any:
        statement = self._insert(cursors).values(rows)
        return statement.on_conflict_do_update(
            index_elements=[cursors.c.chat_id, cursors.c.user_id],
            set_={
                "last_read_seq": case(
                    (
                        statement.excluded.last_read_seq > cursors.c.last_read_seq,
                        statement.excluded.last_read_seq,
                    ),
                    else_=cursors.c.last_read_seq,
                )
            },
        )

    async def get(self, chat_id: UUID, message_id: UUID) -> MessageView | None:
        query = select(messages).where(messages.c.chat_id == chat_id, messages.c.id == message_id)
        async with self._db.read() as conn:
            row = (await conn.execute(query)).first()
        return _view(row._mapping) if row else None

    async def page(
        self, chat_id: UUID, *, below_seq: int | None, above_seq: int | None, limit: int
    ) -> list[MessageView]:
        query = select(messages).where(messages.c.chat_id == chat_id)
        if above_seq is not None:
            query = query.where(messages.c.seq > above_seq).order_by(messages.c.seq.asc())
        else:
            if below_seq is not None:
                query = query.where(messages.c.seq < below_seq)
            query = query.order_by(messages.c.seq.desc())
        async with self._db.read() as conn:
            rows = (await conn.execute(query.limit(limit))).all()
        views = [_view(r._mapping) for r in rows]
        return views if above_seq is not None else views[::-1]

    async def last_seq(self, chat_id: UUID) -> int:
        query = select(heads.c.last_seq).where(heads.c.chat_id == chat_id)
        async with self._db.read() as conn:
            found = (await conn.execute(query)).scalar_one_or_none()
        return int(found or 0)

    async def activity(self, user_id: UUID, chat_ids: list[UUID]) -> dict[UUID, ChatActivity]:
        if not chat_ids:
            return {}
        async with self._db.read() as conn:
            head_rows = (
                await conn.execute(select(heads).where(heads.c.chat_id.in_(chat_ids)))
            ).all()
            cursor_rows = (
                await conn.execute(
                    select(cursors.c.chat_id, cursors.c.last_read_seq).where(
                        cursors.c.user_id == user_id, cursors.c.chat_id.in_(chat_ids)
                    )
                )
            ).all()
            last_ids = [r.last_message_id for r in head_rows if r.last_message_id is not None]
            last_rows = (
                (await conn.execute(select(messages).where(messages.c.id.in_(last_ids)))).all()
                if last_ids
                else []
            )
        read = {r.chat_id: int(r.last_read_seq) for r in cursor_rows}
        lasts = {r.chat_id: _brief(r._mapping) for r in last_rows}
        return {
            r.chat_id: ChatActivity(
                last_seq=int(r.last_seq),
                last_read_seq=read.get(r.chat_id, 0),
                last_message=lasts.get(r.chat_id),
            )
            for r in head_rows
        }

    async def advance_cursor(self, chat_id: UUID, user_id: UUID, seq: int) -> tuple[int, bool]:
        query = select(cursors.c.last_read_seq).where(
            cursors.c.chat_id == chat_id, cursors.c.user_id == user_id
        )
        async with self._db.write() as conn:
            before = (await conn.execute(query)).scalar_one_or_none()
            if before is not None and before >= seq:
                return int(before), False
            row = {"chat_id": chat_id, "user_id": user_id, "last_read_seq": seq}
            await conn.execute(self._cursor_upsert([row]))
            after = (await conn.execute(query)).scalar_one()
        return int(after), int(after) != int(before or 0)


def _idempotency_lookup(keys: set[tuple[UUID, UUID, str]]) -> ColumnElement[bool]:
    """`(chat, sender, request_id) = … OR …`: each term is one search of the unique index.

    A row-value `IN (VALUES …)` reads the same, but SQLite answers it with a scan of the
    whole message table, which made every batch slower as history grew.
    """
    c = messages.c
    return or_(
        *(
            and_(c.chat_id == chat, c.sender_id == sender, c.request_id == request_id)
            for chat, sender, request_id in sorted(keys)
        )
    )


# Columns are named like the DTO fields, so rows and DTOs convert without a field list.


def _message_row(v: MessageView) -> dict[str, Any]:
    return v.model_dump()


def _view(row: Any) -> MessageView:
    return MessageView.model_validate(dict(row))


def _brief(row: Any) -> MessageBrief:
    return MessageBrief.model_validate(dict(row))
