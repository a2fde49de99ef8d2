"""Hot-path queries use indexes on SQLite (a scan would slow every send as history grows)."""

import asyncio
import sqlite3
from pathlib import Path
from uuid import uuid4

import pytest
from integration_db import open_database
from sqlalchemy import Select, insert, select, text
from sqlalchemy.dialects import sqlite

from hubbub.contexts.messages.model import Draft
from hubbub.contexts.messages.store import SqlMessageStore, _idempotency_lookup, messages
from hubbub.infra.db import Database
from hubbub.kernel.fakes import FixedClock

NOW = FixedClock().now()


def plan_of(path: Path, query: Select[tuple[object, ...]]) -> list[str]:
    sql = str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))
    with sqlite3.connect(path) as conn:
        return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]


@pytest.fixture
def sqlite_file(sqlite_template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "plans.db"
    copy.write_bytes(sqlite_template.read_bytes())
    return copy


@pytest.mark.parametrize("drafts", [1, 3, 100])
def test_the_idempotency_lookup_searches_the_unique_index(sqlite_file: Path, drafts: int) -> None:
    keys = {(uuid4(), uuid4(), f"request-{n}") for n in range(drafts)}
    plan = plan_of(sqlite_file, select(messages).where(_idempotency_lookup(keys)))

    assert not [step for step in plan if step.startswith("SCAN")], plan
    assert any("USING INDEX" in step for step in plan), plan


def test_history_pages_search_by_chat_and_seq(sqlite_file: Path) -> None:
    chat = uuid4()
    query = (
        select(messages)
        .where(messages.c.chat_id == chat, messages.c.seq < 100)
        .order_by(messages.c.seq.desc())
        .limit(50)
    )
    plan = plan_of(sqlite_file, query)

    assert not [step for step in plan if step.startswith("SCAN")], plan


@pytest.mark.postgres
async def test_the_retry_lookup_keeps_using_the_index_as_the_table_grows(
    postgres_database: str,
) -> None:
    """A pooled connection that planned the lookup on an empty table must not keep a plan
    that scans the table (PostgreSQL caches a generic plan after five executions)."""
    async with open_database(postgres_database) as db:
        store, chat, sender = SqlMessageStore(db), uuid4(), uuid4()
        for n in range(10):  # planned while the table is empty
            await store.append([Draft(chat, sender, "hi", f"early-{n}", False)], NOW)
        async with db.write() as conn:
            await conn.execute(
                insert(messages),
                [
                    {"id": uuid4(), "chat_id": uuid4(), "seq": 1, "sender_id": sender,
                     "text": "filler", "created_at": NOW, "ai_generated": False,
                     "request_id": f"filler-{n}"}
                    for n in range(20_000)
                ],
            )  # fmt: skip
        scans_before = await sequential_scans(db)
        for n in range(10):
            await store.append([Draft(chat, sender, "hi", f"late-{n}", False)], NOW)

        assert await sequential_scans(db) == scans_before


async def sequential_scans(db: Database) -> int:
    await asyncio.sleep(1.2)  # backends publish their table statistics at most once a second
    query = text("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'messages_messages'")
    async with db.read() as conn:
        await conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        return int((await conn.execute(query)).scalar_one())
