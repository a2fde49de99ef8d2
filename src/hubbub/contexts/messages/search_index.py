"""The search index's tables and writes, one shape per engine (see search_text.py for what
is indexed).

SQLite: `messages_search_docs` (an integer rowid per message, with its chat and sender) and
an FTS5 table of the stems with that rowid, ranked by bm25. PostgreSQL: one table with a
`simple` tsvector of the stems under a GIN index, ranked by ts_rank. Neither is in the
SQLAlchemy metadata (FTS5 is a virtual table; the tsvector has no SQLite twin): the
migration creates them by hand, and the schema tests leave out `SEARCH_TABLES`.

Writes take the caller's (synchronous, writer) transaction: the indexer's, or an edit's or
delete's, so a deleted message leaves the index when it is deleted.
"""

from uuid import UUID

from sqlalchemy import Connection, text
from sqlalchemy.ext.asyncio import AsyncConnection

from hubbub.contexts.messages.search_text import document

SEARCH_TABLES = frozenset(
    {
        "messages_search_docs",
        "messages_search_fts",
        # FTS5's shadow tables
        "messages_search_fts_data",
        "messages_search_fts_idx",
        "messages_search_fts_content",
        "messages_search_fts_docsize",
        "messages_search_fts_config",
    }
)

SQLITE_DDL = [
    """CREATE TABLE messages_search_docs (
        id INTEGER PRIMARY KEY,
        message_id CHAR(32) NOT NULL UNIQUE,
        chat_id CHAR(32) NOT NULL,
        sender_id CHAR(32) NOT NULL)""",
    "CREATE INDEX ix_messages_search_docs_chat_id ON messages_search_docs (chat_id)",
    # `scope` holds a token for the chat and one for the sender, so that MATCH itself narrows
    # to the searcher's chats (FTS5 intersects doclists) instead of ranking every match in
    # every chat and filtering afterwards.
    """CREATE VIRTUAL TABLE messages_search_fts USING fts5(
        body, scope, detail=column, tokenize='unicode61 remove_diacritics 0')""",
]
POSTGRES_DDL = [
    """CREATE TABLE messages_search_docs (
        message_id uuid PRIMARY KEY,
        chat_id uuid NOT NULL,
        sender_id uuid NOT NULL,
        body tsvector NOT NULL)""",
    "CREATE INDEX ix_messages_search_docs_body ON messages_search_docs USING gin (body)",
    "CREATE INDEX ix_messages_search_docs_chat_id ON messages_search_docs (chat_id)",
]
DROP = ["DROP TABLE IF EXISTS messages_search_fts", "DROP TABLE IF EXISTS messages_search_docs"]


def is_sqlite(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "sqlite"


def key(conn: AsyncConnection, value: UUID) -> str | UUID:
    """How an id is bound in these hand-written statements (SQLAlchemy's own Uuid form)."""
    return value.hex if is_sqlite(conn) else value


def scope_tokens(chat_id: UUID, sender_id: UUID) -> str:
    """The FTS5 `scope` column of a message (SQLite)."""
    return f"c{chat_id.hex} s{sender_id.hex}"


def put_many_sqlite(conn: Connection, rows: list[tuple[UUID, UUID, UUID, str]]) -> None:
    """SQLite, synchronous (the writer thread): index a batch of (message, chat, sender,
    text) in a few statements whatever its size; messages already indexed are replaced."""
    docs = [(m.hex, c.hex, s.hex, document(t)) for m, c, s, t in rows]
    ids = [d[0] for d in docs]
    marks = ",".join("?" * len(ids))
    found = conn.exec_driver_sql(
        f"SELECT id FROM messages_search_docs WHERE message_id IN ({marks})", tuple(ids)
    ).all()
    if found:  # re-indexed (a redelivery, or edited before it was indexed): replace
        conn.exec_driver_sql(
            "DELETE FROM messages_search_fts WHERE rowid = ?", [(r[0],) for r in found]
        )
    conn.exec_driver_sql(
        "INSERT OR IGNORE INTO messages_search_docs (message_id, chat_id, sender_id) "
        "VALUES (?, ?, ?)",
        [(m, c, s) for m, c, s, body in docs if body],
    )
    rowids: dict[str, int] = dict(
        conn.exec_driver_sql(
            f"SELECT message_id, id FROM messages_search_docs WHERE message_id IN ({marks})",
            tuple(ids),
        ).all()
    )
    conn.exec_driver_sql(
        "INSERT INTO messages_search_fts (rowid, body, scope) VALUES (?, ?, ?)",
        [(rowids[m], body, f"c{c} s{s}") for m, c, s, body in docs if body and m in rowids],
    )


def put_sync(
    conn: Connection, message_id: UUID, chat_id: UUID, sender_id: UUID, text_: str
) -> None:
    """`put` in a synchronous transaction (an edit's, on the writer)."""
    body = document(text_)
    if not body:
        remove_sync(conn, message_id)
    elif conn.dialect.name == "sqlite":
        put_many_sqlite(conn, [(message_id, chat_id, sender_id, text_)])
    else:
        conn.execute(
            text(
                "INSERT INTO messages_search_docs (message_id, chat_id, sender_id, body) "
                "VALUES (:m, :c, :s, to_tsvector('simple', :b)) "
                "ON CONFLICT (message_id) DO UPDATE SET body = EXCLUDED.body"
            ),
            {"m": message_id, "c": chat_id, "s": sender_id, "b": body},
        )


def remove_sync(conn: Connection, message_id: UUID) -> None:
    """`remove` in a synchronous transaction (a delete's, on the writer)."""
    if conn.dialect.name != "sqlite":
        conn.execute(
            text("DELETE FROM messages_search_docs WHERE message_id = :m"), {"m": message_id}
        )
        return
    found = conn.execute(
        text("SELECT id FROM messages_search_docs WHERE message_id = :m"), {"m": message_id.hex}
    ).scalar()
    if found is None:
        return
    conn.execute(text("DELETE FROM messages_search_fts WHERE rowid = :r"), {"r": found})
    # See `remove`: fold the delete marker into the older segments now.
    conn.execute(
        text("INSERT INTO messages_search_fts (messages_search_fts, rank) VALUES ('merge', 64)")
    )
    conn.execute(
        text("DELETE FROM messages_search_docs WHERE message_id = :m"), {"m": message_id.hex}
    )
