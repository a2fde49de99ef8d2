"""SqlSearchStore: queries over the search index and the indexer's writes (both engines)."""

from uuid import UUID

from sqlalchemy import Connection, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from hubbub.contexts.messages import search_index
from hubbub.contexts.messages.search_index import is_sqlite, key
from hubbub.contexts.messages.tables import messages
from hubbub.infra.db import Database

MATCH_SCOPE_CHATS = 500  # beyond this many chats, filter by chat after matching

Hit = tuple[UUID, float]
"""(message id, score): a higher score ranks first."""


class SqlSearchStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def index(self, message_ids: list[UUID]) -> None:
        """(Re-)index these messages as they are now, in one transaction; deleted ones are
        skipped. The message rows are locked (PostgreSQL) or the writer is (SQLite) while
        reading them, so a delete committing meanwhile cannot be undone by a stale write.
        The whole batch is one call on the writer (on SQLite one hop to its thread, in a
        few statements)."""
        await self._db.run_write(lambda conn: _index(conn, message_ids), notify=False)

    async def catch_up(self, *, window_seconds: float = 300, batch: int = 500) -> int:
        """Index what the bus may not bring: every message when the index is empty (the
        first start after the upgrade that added search), else the messages of the last
        `window_seconds` before the newest indexed one (an in-process bus forgets what it
        held when the process died). Idempotent; returns how many messages it indexed."""
        async with self._db.read() as conn:
            newest = (
                await conn.execute(
                    text(
                        "SELECT message_id FROM messages_search_docs "
                        "ORDER BY message_id DESC LIMIT 1"
                    )
                )
            ).scalar()
        query = select(messages.c.id).where(messages.c.deleted_at.is_(None))
        if newest is not None:
            newest_id = UUID(hex=newest) if isinstance(newest, str) else newest
            query = query.where(messages.c.id > _uuid7_floor(newest_id, window_seconds))
        done, last = 0, None
        while True:
            page = query if last is None else query.where(messages.c.id > last)
            async with self._db.read() as conn:
                ids = list(
                    (await conn.execute(page.order_by(messages.c.id).limit(batch))).scalars()
                )
            if not ids:
                return done
            await self.index(ids)
            done, last = done + len(ids), ids[-1]

    async def search(
        self,
        stems: list[str],
        *,
        chat_ids: list[UUID],
        sender_id: UUID | None,
        limit: int,
        after: Hit | None,
    ) -> list[Hit]:
        """Messages of `chat_ids` holding every stem, best first, after the `after` hit."""
        if not chat_ids or not stems:
            return []
        async with self._db.read() as conn:
            if is_sqlite(conn):
                return await _search_sqlite(conn, stems, chat_ids, sender_id, limit, after)
            return await _search_postgres(conn, stems, chat_ids, sender_id, limit, after)


def _index(conn: Connection, message_ids: list[UUID]) -> None:
    rows = conn.execute(
        select(messages.c.id, messages.c.chat_id, messages.c.sender_id, messages.c.text)
        .where(messages.c.id.in_(message_ids), messages.c.deleted_at.is_(None))
        .order_by(messages.c.id)
        .with_for_update()
    ).all()
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        search_index.put_many_sqlite(conn, [(r[0], r[1], r[2], r[3]) for r in rows])
        return
    for row in rows:
        search_index.put_sync(conn, row[0], row[1], row[2], row[3])


async def _search_sqlite(
    conn: AsyncConnection,
    stems: list[str],
    chat_ids: list[UUID],
    sender_id: UUID | None,
    limit: int,
    after: Hit | None,
) -> list[Hit]:
    # bm25 is lower for better matches: the score handed out is its negation. The scope
    # column (chat and sender tokens) weighs nothing.
    words = " AND ".join(f'"{s}"' for s in stems)
    match = f"body : ({words})"
    if len(chat_ids) <= MATCH_SCOPE_CHATS:
        match += " AND scope : (" + " OR ".join(f"c{c.hex}" for c in chat_ids) + ")"
    if sender_id is not None:
        match += f" AND scope : s{sender_id.hex}"
    where = ["messages_search_fts MATCH :q", "d.chat_id IN :chats"]
    params: dict[str, object] = {
        "q": match,
        "chats": [key(conn, c) for c in chat_ids],
        "n": limit,
    }
    if after is not None:
        where.append(
            "(-bm25(messages_search_fts, 1.0, 0.0) < :score OR "
            "(-bm25(messages_search_fts, 1.0, 0.0) = :score AND d.message_id < :mid))"
        )
        params |= {"score": after[1], "mid": key(conn, after[0])}
    statement = text(
        "SELECT d.message_id, -bm25(messages_search_fts, 1.0, 0.0) AS score "
        "FROM messages_search_fts JOIN messages_search_docs AS d "
        "ON d.id = messages_search_fts.rowid "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY score DESC, d.message_id DESC LIMIT :n"
    ).bindparams(bindparam("chats", expanding=True))
    rows = (await conn.execute(statement, params)).all()
    return [(UUID(hex=row[0]), float(row[1])) for row in rows]


async def _search_postgres(
    conn: AsyncConnection,
    stems: list[str],
    chat_ids: list[UUID],
    sender_id: UUID | None,
    limit: int,
    after: Hit | None,
) -> list[Hit]:
    rank = "ts_rank(d.body, q.query)::float8"
    where = ["d.body @@ q.query", "d.chat_id IN :chats"]
    params: dict[str, object] = {"q": " ".join(stems), "chats": chat_ids, "n": limit}
    if sender_id is not None:
        where.append("d.sender_id = :sender")
        params["sender"] = sender_id
    if after is not None:
        where.append(f"({rank} < :score OR ({rank} = :score AND d.message_id < :mid))")
        params |= {"score": after[1], "mid": after[0]}
    statement = text(
        f"SELECT d.message_id, {rank} AS score "
        "FROM messages_search_docs AS d, plainto_tsquery('simple', :q) AS q(query) "
        f"WHERE {' AND '.join(where)} "
        "ORDER BY score DESC, d.message_id DESC LIMIT :n"
    ).bindparams(bindparam("chats", expanding=True))
    rows = (await conn.execute(statement, params)).all()
    return [(row[0], float(row[1])) for row in rows]


def _uuid7_floor(message_id: UUID, seconds_before: float) -> UUID:
    """The smallest UUIDv7 of the millisecond `seconds_before` the one in `message_id`."""
    millis = (message_id.int >> 80) - int(seconds_before * 1000)
    return UUID(int=(max(millis, 0) << 80) | (0x7 << 76))
