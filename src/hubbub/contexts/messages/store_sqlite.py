"""The group-commit steps on SQLite, straight on the `sqlite3` cursor of the writer thread.

SQLAlchemy Core compiled and processed the batch's statements on every call (cache keys,
bind processing of every value, result processing): most of the writer thread's Python time.
Here every statement is a fixed string (the heads upsert: one string per batch size, cached)
run with `executemany`, and values are converted the way SQLAlchemy stores them on SQLite, so
rows written by either path read the same (a test compares them): UUIDs as 32 hex digits,
timestamps as naive UTC `YYYY-MM-DD HH:MM:SS.ffffff`, booleans as 0/1. Table and column names
are those of `tables.py`.
"""

import sqlite3
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import Connection, select
from sqlalchemy.exc import DBAPIError

from hubbub.contexts.messages.batch import BumpHeads, FindExisting, Step, WriteMessages
from hubbub.contexts.messages.store_reads import view_of
from hubbub.contexts.messages.tables import messages
from hubbub.infra.db.outbox import add_to_outbox_sqlite, sqlite_timestamp

FIND_TERM = "(chat_id = ? AND sender_id = ? AND request_id = ?)"

INSERT_MESSAGES = """
INSERT INTO messages_messages
  (id, chat_id, seq, sender_id, text, created_at, ai_generated, request_id, reply_to_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

ADVANCE_CURSORS = """
INSERT INTO messages_read_cursors (chat_id, user_id, last_read_seq) VALUES (?, ?, ?)
ON CONFLICT (chat_id, user_id) DO UPDATE
  SET last_read_seq = max(messages_read_cursors.last_read_seq, excluded.last_read_seq)
"""

ATTACH_FILES = "UPDATE messages_files SET message_id = ? WHERE id = ? AND message_id IS NULL"

INSERT_MENTIONS = "INSERT INTO messages_mentions (chat_id, user_id, seq) VALUES (?, ?, ?)"


@lru_cache(maxsize=256)
def find_existing_sql(terms: int) -> str:
    """`… WHERE (…) OR (…)`: each term one search of the unique index (see `store.py`)."""
    return "SELECT id FROM messages_messages WHERE " + " OR ".join([FIND_TERM] * terms)


@lru_cache(maxsize=256)
def bump_heads_sql(rows: int) -> str:
    """One multi-row upsert with RETURNING (executemany cannot return rows)."""
    values = ", ".join(["(?, ?, ?)"] * rows)
    return (
        "INSERT INTO messages_chat_heads (chat_id, last_seq, last_message_id) VALUES "
        + values
        + " ON CONFLICT (chat_id) DO UPDATE SET"
        " last_seq = messages_chat_heads.last_seq + excluded.last_seq,"
        " last_message_id = excluded.last_message_id"
        " RETURNING chat_id, last_seq"
    )


def _hex(value: UUID | None) -> str | None:
    return None if value is None else value.hex


class SqliteAppendSteps:
    """Answers the steps of `append_plan` on the writer's connection, inside its transaction.

    `conn` is the SQLAlchemy connection of `Database.run_write`: the statements go to its
    DB-API connection (same transaction); the rare answer that needs stored rows turned into
    views (a retried request id) goes through SQLAlchemy for its conversions.
    """

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        raw = conn.connection.driver_connection
        assert isinstance(raw, sqlite3.Connection)
        self._raw = raw

    def answer(self, step: Step) -> Any:
        """Errors come out as SQLAlchemy's (an `IntegrityError` makes the store retry draft
        by draft), without their parameters, which hold message text."""
        try:
            if isinstance(step, FindExisting):
                return self._find_existing(step)
            if isinstance(step, BumpHeads):
                return self._bump_heads(step)
            self._write(step)
        except sqlite3.Error as exc:
            raise DBAPIError.instance(
                type(step).__name__, None, exc, sqlite3.Error, hide_parameters=True
            ) from exc
        return None

    def _find_existing(self, step: FindExisting) -> Any:
        params: list[Any] = []
        for chat_id, sender_id, request_id in step.keys:
            params += (chat_id.hex, sender_id.hex, request_id)
        found = self._raw.execute(find_existing_sql(len(step.keys)), params).fetchall()
        if not found:
            return []
        ids = [UUID(hex=row[0]) for row in found]
        rows = self._conn.execute(select(messages).where(messages.c.id.in_(ids)))
        return [view_of(row._mapping) for row in rows]

    def _bump_heads(self, step: BumpHeads) -> dict[UUID, int]:
        params: list[Any] = []
        by_hex: dict[str, UUID] = {}
        for chat_id, count, newest in step.rows:
            by_hex[chat_id.hex] = chat_id
            params += (chat_id.hex, count, newest.hex)
        returned = self._raw.execute(bump_heads_sql(len(step.rows)), params).fetchall()
        return {by_hex[chat_hex]: int(last_seq) for chat_hex, last_seq in returned}

    def _write(self, step: WriteMessages) -> None:
        raw = self._raw
        raw.executemany(
            INSERT_MESSAGES,
            [
                (
                    m.id.hex,
                    m.chat_id.hex,
                    m.seq,
                    m.sender_id.hex,
                    m.text,
                    sqlite_timestamp(m.created_at),
                    1 if m.ai_generated else 0,
                    m.request_id,
                    _hex(m.reply_to_id),
                )
                for m in step.messages
            ],
        )
        raw.executemany(ADVANCE_CURSORS, [(c.hex, u.hex, seq) for c, u, seq in step.cursors])
        add_to_outbox_sqlite(raw, step.events)
        if step.attachments:  # only messages that carry files pay for this
            raw.executemany(ATTACH_FILES, [(m.hex, f.hex) for f, m in step.attachments])
        if step.mentions:  # only messages that mention someone pay for this
            raw.executemany(INSERT_MENTIONS, [(c.hex, u.hex, s) for c, u, s in step.mentions])
