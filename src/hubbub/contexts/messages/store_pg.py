"""The group-commit steps on PostgreSQL, straight on asyncpg.

Each step is one fixed statement over `unnest`ed arrays, whatever the batch size, so asyncpg
prepares it once per connection and a transaction costs five round trips and almost no
Python. Table and column names are those of `store.py`.
"""

from typing import Any

import asyncpg

from hubbub.contexts.messages.batch import BumpHeads, FindExisting, Step, WriteMessages
from hubbub.contexts.messages.store_reads import view_of
from hubbub.infra.db.outbox import outbox_rows

FIND_EXISTING = """
SELECT m.id, m.chat_id, m.seq, m.sender_id, m.text, m.created_at, m.edited_at,
       m.ai_generated, m.request_id, m.reply_to_id, m.deleted_at
FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS k(chat_id, sender_id, request_id)
JOIN messages_messages AS m
  ON m.chat_id = k.chat_id AND m.sender_id = k.sender_id AND m.request_id = k.request_id
"""

BUMP_HEADS = """
INSERT INTO messages_chat_heads AS h (chat_id, last_seq, last_message_id)
SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[])
ON CONFLICT (chat_id) DO UPDATE
  SET last_seq = h.last_seq + EXCLUDED.last_seq, last_message_id = EXCLUDED.last_message_id
RETURNING chat_id, last_seq
"""

INSERT_MESSAGES = """
INSERT INTO messages_messages
  (id, chat_id, seq, sender_id, text, created_at, ai_generated, request_id, reply_to_id)
SELECT * FROM unnest(
  $1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::text[], $6::timestamptz[], $7::bool[],
  $8::text[], $9::uuid[])
"""

ATTACH_FILES = """
UPDATE messages_files AS f SET message_id = a.message_id
FROM unnest($1::uuid[], $2::uuid[]) AS a(file_id, message_id)
WHERE f.id = a.file_id AND f.message_id IS NULL
"""

INSERT_MENTIONS = """
INSERT INTO messages_mentions (chat_id, user_id, seq)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[])
ON CONFLICT DO NOTHING
"""

ADVANCE_CURSORS = """
INSERT INTO messages_read_cursors AS c (chat_id, user_id, last_read_seq)
SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[])
ON CONFLICT (chat_id, user_id) DO UPDATE
  SET last_read_seq = GREATEST(c.last_read_seq, EXCLUDED.last_read_seq)
"""

INSERT_OUTBOX = """
INSERT INTO outbox (topic, key, payload, created_at)
SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::timestamptz[])
"""


class PgAppendSteps:
    """Answers the steps of `append_plan` on one asyncpg connection, inside its transaction."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    async def answer(self, step: Step) -> Any:
        if isinstance(step, FindExisting):
            rows = await self._conn.fetch(FIND_EXISTING, *_columns(step.keys, 3))
            return [view_of(row) for row in rows]
        if isinstance(step, BumpHeads):
            rows = await self._conn.fetch(BUMP_HEADS, *_columns(step.rows, 3))
            return {row["chat_id"]: int(row["last_seq"]) for row in rows}
        await self._write(step)
        return None

    async def _write(self, step: WriteMessages) -> None:
        messages = [
            (
                m.id,
                m.chat_id,
                m.seq,
                m.sender_id,
                m.text,
                m.created_at,
                m.ai_generated,
                m.request_id,
                m.reply_to_id,
            )
            for m in step.messages
        ]
        await self._conn.execute(INSERT_MESSAGES, *_columns(messages, 9))
        await self._conn.execute(ADVANCE_CURSORS, *_columns(step.cursors, 3))
        events = [
            (r["topic"], r["key"], r["payload"], r["created_at"]) for r in outbox_rows(step.events)
        ]
        await self._conn.execute(INSERT_OUTBOX, *_columns(events, 4))
        if step.attachments:  # only messages that carry files pay for this
            await self._conn.execute(ATTACH_FILES, *_columns(step.attachments, 2))
        if step.mentions:  # only messages that mention someone pay for this
            await self._conn.execute(INSERT_MENTIONS, *_columns(step.mentions, 3))


def _columns(rows: list[Any], width: int) -> list[list[Any]]:
    """Rows as one list per column (what `unnest` takes)."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]
