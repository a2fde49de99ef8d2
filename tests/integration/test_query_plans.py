"""Hot-path queries use indexes on SQLite (a scan would slow every send as history grows)."""

import sqlite3
from pathlib import Path
from uuid import uuid4

import pytest
from sqlalchemy import Select, select
from sqlalchemy.dialects import sqlite

from hubbub.contexts.messages.store import _idempotency_lookup, messages


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
