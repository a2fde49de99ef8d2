"""Database engines, transactions, commit hooks and migrations, on both engines."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from integration_db import (
    ENGINES,
    create_postgres_database,
    drop_postgres_database,
    postgres_unavailable,
    postgres_url,
    sqlite_url,
)
from sqlalchemy import insert, inspect, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from hubbub.contexts.messages.search_index import SEARCH_TABLES
from hubbub.infra.db import Database, metadata
from hubbub.infra.db.migrate import upgrade
from hubbub.infra.db.outbox import outbox
from hubbub.kernel.fakes import FixedClock


@asynccontextmanager
async def empty_database(engine: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A database with no tables at all, removed afterwards."""
    if engine == "sqlite":
        db = Database(sqlite_url(tmp_path / "nested" / "empty.db"))
        try:
            yield db
        finally:
            await db.dispose()
        return
    try:
        name = await create_postgres_database()
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        postgres_unavailable(exc)
    db = Database(postgres_url(name))
    try:
        yield db
    finally:
        await db.dispose()
        await drop_postgres_database(name)


def table_names(conn: AsyncConnection) -> set[str]:
    return set(inspect(conn).get_table_names())  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ENGINES)
async def test_migrations_build_the_whole_schema_on_an_empty_database(
    engine: str, tmp_path: Path
) -> None:
    async with empty_database(engine, tmp_path) as db:
        await upgrade(db)
        await upgrade(db)  # already at head: nothing to do, no error

        async with db.read() as conn:
            tables = await conn.run_sync(table_names)
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()

    # The search index is engine-specific DDL outside the metadata (search_index.py).
    assert tables - SEARCH_TABLES == set(metadata.tables) | {"alembic_version"}
    assert version == "0009"


async def test_sqlite_runs_in_wal_mode(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "wal.db"))
    try:
        async with db.read() as conn:
            reader_mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
        async with db.write() as conn:
            writer_mode = (await conn.execute(text("PRAGMA journal_mode"))).scalar()
    finally:
        await db.dispose()

    assert (reader_mode, writer_mode) == ("wal", "wal")


def outbox_row(key: str) -> dict[str, object]:
    return {"topic": "t", "key": key, "payload": b"{}", "created_at": FixedClock().now()}


async def outbox_keys(db: Database) -> list[str]:
    async with db.read() as conn:
        return list((await conn.execute(select(outbox.c.key).order_by(outbox.c.id))).scalars())


async def test_a_write_commits_and_then_runs_the_commit_hooks(db: Database) -> None:
    woken: list[str] = []
    db.on_commit(lambda: woken.append("hook"))

    async with db.write() as conn:
        await conn.execute(insert(outbox), outbox_row("kept"))
        assert woken == []
    async with db.write(notify=False) as conn:
        await conn.execute(insert(outbox), outbox_row("quiet"))

    assert await outbox_keys(db) == ["kept", "quiet"]
    assert woken == ["hook"]


async def test_a_write_that_raises_is_rolled_back_without_hooks(db: Database) -> None:
    woken: list[str] = []
    db.on_commit(lambda: woken.append("hook"))

    with pytest.raises(RuntimeError):
        async with db.write() as conn:
            await conn.execute(insert(outbox), outbox_row("lost"))
            raise RuntimeError("changed my mind")

    assert await outbox_keys(db) == []
    assert woken == []


async def test_ping(db: Database) -> None:
    assert await db.ping() is True


@pytest.mark.parametrize("engine", ENGINES)
async def test_the_migrations_build_exactly_the_tables_the_stores_declare(
    engine: str, tmp_path: Path
) -> None:
    async with empty_database(engine, tmp_path) as db:
        await upgrade(db)
        async with db.read() as conn:
            drift = await conn.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync, opts={"include_name": lambda name, *_: name not in SEARCH_TABLES}
                    ),
                    metadata,
                )
            )

    assert drift == []


async def test_sqlite_checkpoints_the_wal_in_the_background_not_in_commits(
    tmp_path: Path,
) -> None:
    """Writers keep SQLite's automatic checkpoint only as a far bound; a background
    connection copies committed pages into the database file about once a second."""
    import asyncio
    import shutil
    import sqlite3

    from hubbub.infra.db.engine import CHECKPOINT_SECONDS, WAL_AUTOCHECKPOINT_PAGES

    path = tmp_path / "ckpt.db"
    db = Database(sqlite_url(path))
    try:
        async with db.write() as conn:
            bound = (await conn.execute(text("PRAGMA wal_autocheckpoint"))).scalar()
            await conn.execute(text("CREATE TABLE t (x INTEGER)"))
        assert bound == WAL_AUTOCHECKPOINT_PAGES
        await db.run_write(lambda conn: conn.exec_driver_sql("INSERT INTO t VALUES (1), (2)"))
        copy = tmp_path / "main-file-only.db"  # the database file without its WAL
        found: list[tuple[int]] = []
        for _ in range(int(10 * CHECKPOINT_SECONDS / 0.1)):
            await asyncio.sleep(0.1)
            shutil.copyfile(path, copy)
            with sqlite3.connect(copy) as check:
                try:
                    found = check.execute("SELECT count(*) FROM t").fetchall()
                except sqlite3.OperationalError:  # the table is not in the file yet
                    continue
            if found == [(2,)]:
                break
        assert found == [(2,)]
    finally:
        await db.dispose()
