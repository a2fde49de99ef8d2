"""SqlMessageStore: the group-commit write path, history pages and read cursors."""

# The tables are re-exported for the tests that reach into them.
__all__ = ["SqlMessageStore", "cursors", "heads", "messages"]

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from sqlalchemy import (
    Connection,
    and_,
    case,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.elements import ColumnElement

from hubbub.contexts.messages.api import ChatActivity, MessageBrief, MessageView
from hubbub.contexts.messages.batch import (
    BumpHeads,
    FindExisting,
    IdempotencyKey,
    Results,
    Step,
    append_plan,
    run_plan,
    run_plan_async,
)
from hubbub.contexts.messages.file_links import FileLinks
from hubbub.contexts.messages.model import Draft
from hubbub.contexts.messages.store_pg import PgAppendSteps
from hubbub.contexts.messages.store_reads import decorate, view_of
from hubbub.contexts.messages.store_sqlite import SqliteAppendSteps
from hubbub.contexts.messages.tables import cursors, files, heads, mentions, messages
from hubbub.infra.db import Database
from hubbub.infra.db.outbox import add_to_outbox


class SqlMessageStore:
    def __init__(self, db: Database, *, links: FileLinks | None = None) -> None:
        self._db = db
        self._links = links  # signs the links of attached files (none: files not shown)
        self._insert = sqlite_insert if db.is_sqlite else pg_insert

    async def append(self, drafts: list[Draft], now: datetime) -> Results:
        try:
            return await self._append(drafts, now)
        except (IntegrityError, asyncpg.IntegrityConstraintViolationError):
            pass
        # Another process committed one of these request ids first: redo one by one, so
        # that the retry finds its original and the other drafts are not held back by it.
        results: Results = []
        for draft in drafts:
            results.extend(await self._append([draft], now))
        return results

    async def _append(self, drafts: list[Draft], now: datetime) -> Results:
        """One transaction for the batch (see batch.py): on SQLite one hop to the writer
        thread and fixed statements on its sqlite3 cursor, on PostgreSQL fixed statements on
        asyncpg (`_answer`, in SQLAlchemy Core, is the reference both are tested against)."""
        if self._db.is_sqlite:
            return await self._db.run_write(
                lambda conn: run_plan(append_plan(drafts, now), SqliteAppendSteps(conn).answer)
            )
        return await self._db.run_asyncpg_write(
            lambda raw: run_plan_async(append_plan(drafts, now), PgAppendSteps(raw).answer)
        )

    def _answer(self, conn: Connection, step: Step) -> Any:
        """The steps of `append_plan` in SQLAlchemy Core (synchronous: the writer thread)."""
        if isinstance(step, FindExisting):
            query = select(messages).where(_idempotency_lookup(step.keys))
            return [_view(row._mapping) for row in conn.execute(query)]
        if isinstance(step, BumpHeads):
            rows = [
                {"chat_id": chat_id, "last_seq": count, "last_message_id": newest}
                for chat_id, count, newest in step.rows
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
        conn.execute(insert(messages), [_message_row(v) for v in step.messages])
        conn.execute(
            self._cursor_upsert(
                [{"chat_id": c, "user_id": u, "last_read_seq": s} for c, u, s in step.cursors]
            )
        )
        add_to_outbox(conn, step.events)
        for file_id, message_id in step.attachments:
            conn.execute(
                update(files)
                .where(files.c.id == file_id, files.c.message_id.is_(None))
                .values(message_id=message_id)
            )
        if step.mentions:  # only messages that mention someone pay for this
            conn.execute(
                insert(mentions),
                [{"chat_id": c, "user_id": u, "seq": s} for c, u, s in step.mentions],
            )
        return None

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
            if row is None:
                return None
            [view] = await decorate(conn, [_view(row._mapping)], self._links)
        return view

    async def get_many(self, message_ids: list[UUID]) -> list[MessageView]:
        if not message_ids:
            return []
        query = select(messages).where(messages.c.id.in_(message_ids))
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
            return await decorate(conn, [_view(r._mapping) for r in rows], self._links)

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
            views = await decorate(conn, [_view(r._mapping) for r in rows], self._links)
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
            others_rows = (
                await conn.execute(
                    select(cursors.c.chat_id, func.max(cursors.c.last_read_seq))
                    .where(cursors.c.user_id != user_id, cursors.c.chat_id.in_(chat_ids))
                    .group_by(cursors.c.chat_id)
                )
            ).all()
            mention_rows = (
                await conn.execute(
                    select(mentions.c.chat_id, func.count())
                    .select_from(
                        mentions.outerjoin(
                            cursors,
                            and_(
                                cursors.c.chat_id == mentions.c.chat_id,
                                cursors.c.user_id == mentions.c.user_id,
                            ),
                        )
                    )
                    .where(
                        mentions.c.user_id == user_id,
                        mentions.c.chat_id.in_(chat_ids),
                        mentions.c.seq > func.coalesce(cursors.c.last_read_seq, 0),
                    )
                    .group_by(mentions.c.chat_id)
                )
            ).all()
            last_ids = [r.last_message_id for r in head_rows if r.last_message_id is not None]
            last_rows = (
                (await conn.execute(select(messages).where(messages.c.id.in_(last_ids)))).all()
                if last_ids
                else []
            )
        read = {r.chat_id: int(r.last_read_seq) for r in cursor_rows}
        others = {r[0]: int(r[1]) for r in others_rows}
        mentioned = {r[0]: int(r[1]) for r in mention_rows}
        lasts = {r.chat_id: _brief(r._mapping) for r in last_rows}
        return {
            r.chat_id: ChatActivity(
                last_seq=int(r.last_seq),
                last_read_seq=read.get(r.chat_id, 0),
                last_message=lasts.get(r.chat_id),
                others_read_seq=others.get(r.chat_id, 0),
                mention_count=mentioned.get(r.chat_id, 0),
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

    async def delete_cursors(self, user_id: UUID) -> None:
        async with self._db.write(notify=False) as conn:
            await conn.execute(delete(cursors).where(cursors.c.user_id == user_id))


def _idempotency_lookup(keys: list[IdempotencyKey]) -> ColumnElement[bool]:
    """`(chat, sender, request_id) = … OR …`: each term is one search of the unique index.

    A row-value `IN (VALUES …)` reads the same, but SQLite answers it with a scan of the
    whole message table, which made every batch slower as history grew.
    """
    c = messages.c
    return or_(
        *(
            and_(c.chat_id == chat, c.sender_id == sender, c.request_id == request_id)
            for chat, sender, request_id in keys
        )
    )


# Columns are named like the DTO fields, so rows and DTOs convert without a field list.


def _message_row(v: MessageView) -> dict[str, Any]:
    return {
        "id": v.id,
        "chat_id": v.chat_id,
        "seq": v.seq,
        "sender_id": v.sender_id,
        "text": v.text,
        "created_at": v.created_at,
        "edited_at": v.edited_at,
        "ai_generated": v.ai_generated,
        "request_id": v.request_id,
        "reply_to_id": v.reply_to_id,
    }


def _view(row: Any) -> MessageView:
    return view_of(row)


def _brief(row: Any) -> MessageBrief:
    return MessageBrief.model_validate({**row, "deleted": row["deleted_at"] is not None})
