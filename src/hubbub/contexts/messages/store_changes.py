"""SqlChangeStore: changes to existing messages (edit, delete, reactions) and their replay.

Every change runs the same transaction, whatever its kind: bump the chat's change counter
(under the chat's head row lock, which sends take too, so sends and changes of one chat have
one order across processes), lock the message row, apply the change, stamp the message with
the change's number and the chat's last seq at that moment, and write a `MessageChanged`
event to the outbox. `changed_since` replays from those stamps: a client that saw up to seq N
gets every message changed after message N was sent, in the order of their latest change.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from hubbub.contexts.messages import search_index
from hubbub.contexts.messages.api import MessageView
from hubbub.contexts.messages.events import MessageChanged
from hubbub.contexts.messages.file_links import FileLinks
from hubbub.contexts.messages.ports import Change, ChangeOutcome
from hubbub.contexts.messages.store_reads import decorate, view_of
from hubbub.contexts.messages.tables import files, heads, messages, reactions
from hubbub.infra.db import Database
from hubbub.infra.db.outbox import add_to_outbox
from hubbub.kernel.errors import Conflict, NotFound


class _Unchanged(Exception):
    """Nothing to change (a reaction already there, or already gone): roll back quietly."""


class SqlChangeStore:
    def __init__(
        self,
        db: Database,
        *,
        on_deleted: Callable[[], None] | None = None,
        links: FileLinks | None = None,
    ) -> None:
        self._db = db
        self._on_deleted = on_deleted
        self._links = links

    async def apply(self, change: Change, now: datetime) -> ChangeOutcome:
        """Apply one change in one transaction; see the module docstring. Like a batch of
        sends, the transaction is one call on the writer (one hop to the SQLite writer
        thread), so a change holds the writer no longer than its statements take."""
        try:
            change_seq, blobs = await self._db.run_write(
                lambda conn: self._apply(conn, change, now)
            )
        except _Unchanged:
            change_seq, blobs = None, []
        if change.kind == "deleted" and self._on_deleted is not None and change_seq is not None:
            self._on_deleted()
        async with self._db.read() as conn:
            current = await self._current(conn, change.chat_id, change.message_id)
        return ChangeOutcome(message=current, change_seq=change_seq, forgotten_blobs=blobs)

    def _apply(self, conn: Connection, change: Change, now: datetime) -> tuple[int, list[str]]:
        bumped = (
            conn.execute(
                update(heads)
                .where(heads.c.chat_id == change.chat_id)
                .values(last_change=heads.c.last_change + 1)
                .returning(heads.c.last_change, heads.c.last_seq)
            )
        ).first()
        if bumped is None:
            raise NotFound("no such message in this chat", code="message_not_found")
        change_seq, last_seq = int(bumped.last_change), int(bumped.last_seq)
        row = (
            conn.execute(
                select(messages)
                .where(messages.c.id == change.message_id, messages.c.chat_id == change.chat_id)
                .with_for_update()
            )
        ).first()
        if row is None:
            raise NotFound("no such message in this chat", code="message_not_found")
        if row.deleted_at is not None:
            raise Conflict("the message was deleted", code="message_deleted")
        values: dict[str, Any] = {"change_seq": change_seq, "changed_after_seq": last_seq}
        blobs: list[str] = []
        if change.kind == "edited":
            values |= {"text": change.text, "edited_at": now}
        elif change.kind == "deleted":
            values |= {"text": "", "deleted_at": now}
            conn.execute(delete(reactions).where(reactions.c.message_id == row.id))
            gone = (
                conn.execute(
                    delete(files)
                    .where(files.c.message_id == row.id)
                    .returning(files.c.blob_key, files.c.thumbnail_key)
                )
            ).all()
            blobs = [key for pair in gone for key in pair if key]
        else:
            self._react(conn, change, now)
        conn.execute(update(messages).where(messages.c.id == row.id).values(**values))
        # The search index changes with the text, in this transaction.
        if change.kind == "edited":
            assert change.text is not None
            search_index.put_sync(conn, row.id, row.chat_id, row.sender_id, change.text)
        elif change.kind == "deleted":
            search_index.remove_sync(conn, row.id)
        deleted = change.kind == "deleted"
        add_to_outbox(
            conn,
            [
                MessageChanged(
                    message_id=row.id,
                    chat_id=row.chat_id,
                    seq=row.seq,
                    sender_id=row.sender_id,
                    change=change.kind,
                    change_seq=change_seq,
                    actor_id=change.actor_id,
                    text="" if deleted else values.get("text", row.text),
                    deleted=deleted,
                    changed_at=now,
                )
            ],
        )
        return change_seq, blobs

    def _react(self, conn: Connection, change: Change, now: datetime) -> None:
        assert change.emoji is not None
        mine = and_(
            reactions.c.message_id == change.message_id,
            reactions.c.user_id == change.actor_id,
            reactions.c.emoji == change.emoji,
        )
        exists = (conn.execute(select(reactions.c.emoji).where(mine))).first() is not None
        if change.kind == "reacted":
            if exists:
                raise _Unchanged
            conn.execute(
                insert(reactions).values(
                    message_id=change.message_id,
                    user_id=change.actor_id,
                    emoji=change.emoji,
                    chat_id=change.chat_id,
                    created_at=now,
                )
            )
        else:
            if not exists:
                raise _Unchanged
            conn.execute(delete(reactions).where(mine))

    async def _current(self, conn: AsyncConnection, chat_id: UUID, message_id: UUID) -> MessageView:
        row = (
            await conn.execute(
                select(messages).where(messages.c.id == message_id, messages.c.chat_id == chat_id)
            )
        ).first()
        if row is None:
            raise NotFound("no such message in this chat", code="message_not_found")
        [view] = await decorate(conn, [view_of(row._mapping)], self._links)
        return view

    async def changed_since(
        self, chat_id: UUID, *, seq: int, after_change: int | None, limit: int
    ) -> list[tuple[int, MessageView]]:
        """Messages up to `seq` changed after message `seq` was sent (and after change
        `after_change`, when given), oldest change first: (change number, message now)."""
        query = select(messages).where(
            messages.c.chat_id == chat_id,
            messages.c.changed_after_seq >= seq,
            messages.c.seq <= seq,
        )
        if after_change is not None:
            query = query.where(messages.c.change_seq > after_change)
        query = query.order_by(messages.c.change_seq).limit(limit)
        async with self._db.read() as conn:
            rows = (await conn.execute(query)).all()
            views = await decorate(conn, [view_of(r._mapping) for r in rows], self._links)
        return [(int(r.change_seq), v) for r, v in zip(rows, views, strict=True)]
