"""Search latency at scale: p50/p95 of `MessageSearch.search` (the service the REST route
calls: index query, membership, messages, highlights) over N stored messages, on SQLite
(FTS5) and PostgreSQL (tsvector + GIN).

The corpus is generated straight into a freshly migrated database (no server, no bus):
`--messages` messages in `--chats` chats, texts of 4–16 words drawn with a Zipf law from a
vocabulary of synthetic English-like and Russian-like words (so there are very common, middling
and rare words, as in real chats), indexed the way the indexer does it (Snowball stems). The
searcher is a member of `--member-of` chats. Queries: one word at several frequency ranks,
two words, Cyrillic words, each over all of the searcher's chats and within one chat.

    .venv/bin/python bench/search_latency.py --engine sqlite --messages 1000000
    .venv/bin/python bench/search_latency.py --engine postgres --messages 1000000
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
from sqlalchemy import create_engine, insert

from hubbub.contexts.messages.fakes import StaticMembership
from hubbub.contexts.messages.search import MessageSearch
from hubbub.contexts.messages.search_index import scope_tokens
from hubbub.contexts.messages.search_store import SqlSearchStore
from hubbub.contexts.messages.search_text import document
from hubbub.contexts.messages.store import SqlMessageStore
from hubbub.contexts.messages.tables import heads, messages
from hubbub.infra.db import Database
from hubbub.infra.db.migrate import upgrade

LATIN = "bcdfghklmnprstvz"
VOWELS = "aeiou"
CYR = "бвгдклмнпрстфхш"
CYR_VOWELS = "аеиоуя"


def vocabulary(size: int, rng: random.Random) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        cyrillic = rng.random() < 0.35
        consonants, vowels = (CYR, CYR_VOWELS) if cyrillic else (LATIN, VOWELS)
        syllables = rng.randint(2, 4)
        words.add("".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(syllables)))
    return sorted(words, key=lambda _: rng.random())


def zipf_sampler(words: list[str], rng: random.Random) -> list[str]:
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return rng.choices(words, weights=weights, k=200_000)  # a pool drawn once, then cycled


async def generate(
    db: Database, url: str, args: argparse.Namespace
) -> tuple[list[uuid.UUID], uuid.UUID, list[str]]:
    rng = random.Random(42)
    words = vocabulary(args.vocabulary, rng)
    pool = zipf_sampler(words, rng)
    chats = [uuid.uuid4() for _ in range(args.chats)]
    searcher = uuid.uuid4()
    senders = [uuid.uuid4() for _ in range(200)] + [searcher]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    per_chat = args.messages // args.chats
    t0 = time.perf_counter()
    cursor = 0

    def rows(batch_start: int, batch_size: int) -> list[tuple]:  # type: ignore[type-arg]
        nonlocal cursor
        out = []
        for n in range(batch_start, min(batch_start + batch_size, args.messages)):
            chat_index = n % args.chats
            seq = n // args.chats + 1
            length = rng.randint(4, 16)
            body = " ".join(pool[(cursor + k) % len(pool)] for k in range(length))
            cursor += length + 1
            # ids are UUIDv7-like (time-ordered), like the server's
            created = start + timedelta(milliseconds=n * 10)
            millis = int(created.timestamp() * 1000)
            message_id = uuid.UUID(
                int=(millis << 80) | (0x7 << 76) | rng.getrandbits(62) | (1 << 63)
            )
            out.append((message_id, chats[chat_index], seq, rng.choice(senders), body, created))
        return out

    batch = 50_000
    if db.is_sqlite:
        engine = create_engine(url.replace("+aiosqlite", "+pysqlite"))
        with engine.begin() as conn:
            conn.exec_driver_sql("PRAGMA synchronous=OFF")
            for begin in range(0, args.messages, batch):
                chunk = rows(begin, batch)
                conn.execute(
                    insert(messages),
                    [
                        {
                            "id": m,
                            "chat_id": c,
                            "seq": s,
                            "sender_id": u,
                            "text": b,
                            "created_at": t,
                            "ai_generated": False,
                        }
                        for m, c, s, u, b, t in chunk
                    ],
                )
                first_rowid = begin + 1
                conn.exec_driver_sql(
                    "INSERT INTO messages_search_docs (id, message_id, chat_id, sender_id) "
                    "VALUES (?, ?, ?, ?)",
                    [
                        (first_rowid + i, m.hex, c.hex, u.hex)
                        for i, (m, c, _, u, _, _) in enumerate(chunk)
                    ],
                )
                conn.exec_driver_sql(
                    "INSERT INTO messages_search_fts (rowid, body, scope) VALUES (?, ?, ?)",
                    [
                        (first_rowid + i, document(b), scope_tokens(c, u))
                        for i, (_, c, _, u, b, _) in enumerate(chunk)
                    ],
                )
                print(
                    f"  {begin + len(chunk):,} messages ({time.perf_counter() - t0:.0f} s)",
                    file=sys.stderr,
                )
            conn.execute(
                insert(heads),
                [{"chat_id": c, "last_seq": per_chat, "last_message_id": None} for c in chats],
            )
            conn.exec_driver_sql(
                "INSERT INTO messages_search_fts (messages_search_fts) VALUES ('optimize')"
            )
        engine.dispose()
    else:
        raw = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
        try:
            await raw.execute(
                "CREATE TEMP TABLE staged "
                "(message_id uuid, chat_id uuid, sender_id uuid, body text)"
            )
            for begin in range(0, args.messages, batch):
                chunk = rows(begin, batch)
                await raw.copy_records_to_table(
                    "messages_messages",
                    records=[(m, c, s, u, b, t, False) for m, c, s, u, b, t in chunk],
                    columns=[
                        "id",
                        "chat_id",
                        "seq",
                        "sender_id",
                        "text",
                        "created_at",
                        "ai_generated",
                    ],
                )
                await raw.copy_records_to_table(
                    "staged", records=[(m, c, u, document(b)) for m, c, _, u, b, _ in chunk]
                )
                print(
                    f"  {begin + len(chunk):,} messages ({time.perf_counter() - t0:.0f} s)",
                    file=sys.stderr,
                )
            await raw.execute(
                "INSERT INTO messages_search_docs SELECT message_id, chat_id, sender_id, "
                "to_tsvector('simple', body) FROM staged"
            )
            await raw.executemany(
                "INSERT INTO messages_chat_heads (chat_id, last_seq) VALUES ($1, $2)",
                [(c, per_chat) for c in chats],
            )
            await raw.execute("ANALYZE")
        finally:
            await raw.close()
    print(
        f"generated {args.messages:,} messages in {time.perf_counter() - t0:.0f} s", file=sys.stderr
    )
    return chats, searcher, words


def queries(words: list[str]) -> dict[str, list[str]]:
    latin = [w for w in words if w[0] in LATIN]
    cyrillic = [w for w in words if w[0] in CYR]
    return {
        "common word (rank ~10)": latin[5:15],
        "middling word (rank ~300)": latin[300:310],
        "rare word (rank ~3000)": latin[3000:3010],
        "two words (ranks ~30 + ~300)": [
            f"{a} {b}" for a, b in zip(latin[30:40], latin[300:310], strict=True)
        ],
        "Cyrillic word (rank ~100)": cyrillic[100:110],
    }


async def measure(
    db: Database,
    chats: list[uuid.UUID],
    searcher: uuid.UUID,
    words: list[str],
    args: argparse.Namespace,
) -> None:
    mine = chats[: args.member_of]
    membership = StaticMembership({chat: {searcher} for chat in mine})
    search = MessageSearch(
        index=SqlSearchStore(db), messages=SqlMessageStore(db), membership=membership
    )
    print("| query | scope | p50 ms | p95 ms | results (first page) |\n|---|---|---|---|---|")
    for label, qs in queries(words).items():
        for scope, chat_id in (("all my chats", None), ("one chat", mine[0])):
            timings, found = [], []
            for _ in range(args.rounds):
                for q in qs:
                    t = time.perf_counter()
                    page = await search.search(
                        user_id=searcher,
                        query=q,
                        chat_id=chat_id,
                        sender_id=None,
                        limit=20,
                        before=None,
                    )
                    timings.append((time.perf_counter() - t) * 1000)
                    found.append(len(page.results))
            timings.sort()
            p95 = timings[int(len(timings) * 0.95) - 1]
            print(
                f"| {label} | {scope} | {statistics.median(timings):.1f} | {p95:.1f} "
                f"| {statistics.median(found):.0f} |"
            )


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--chats", type=int, default=2_000)
    parser.add_argument("--member-of", type=int, default=20)
    parser.add_argument("--vocabulary", type=int, default=8_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hubbub-search-bench-") as tmp:
        if args.engine == "sqlite":
            url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            cleanup = None
        else:
            name = f"hubbub_bench_{uuid.uuid4().hex[:8]}"
            admin = await asyncpg.connect(args.postgres.replace("postgresql+asyncpg", "postgresql"))
            await admin.execute(f'CREATE DATABASE "{name}"')
            await admin.close()
            url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
            cleanup = name
        db = Database(url)
        try:
            await upgrade(db)
            chats, searcher, words = await generate(db, url, args)
            await measure(db, chats, searcher, words, args)
        finally:
            await db.dispose()
            if cleanup:
                admin = await asyncpg.connect(
                    args.postgres.replace("postgresql+asyncpg", "postgresql")
                )
                await admin.execute(f'DROP DATABASE "{cleanup}" WITH (FORCE)')
                await admin.close()


if __name__ == "__main__":
    asyncio.run(main())
