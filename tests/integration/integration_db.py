"""Databases for the integration tier: every test runs on SQLite and on the local PostgreSQL.

SQLite: a fresh file per test, copied from one migrated template. PostgreSQL: one database
per session (hubbub_test_<hex>), migrated once, truncated before each test, dropped at the end.
Without a reachable server the postgres cases skip, unless CI is set, where they fail.
"""

import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text

from hubbub.infra.db import Database, metadata
from hubbub.infra.db.migrate import upgrade

PG_SERVER = os.environ.get("HUBBUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
ENGINES = [pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def postgres_url(database: str) -> str:
    server = PG_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{server}/{database}"


async def migrate(url: str) -> None:
    db = Database(url)
    try:
        await upgrade(db)
    finally:
        await db.dispose()


async def create_postgres_database() -> str:
    """A new empty database on the test server; its name."""
    name = f"hubbub_test_{uuid.uuid4().hex[:12]}"
    server = await asyncpg.connect(PG_SERVER, timeout=5)
    try:
        await server.execute(f'CREATE DATABASE "{name}"')
    finally:
        await server.close()
    return name


async def drop_postgres_database(name: str) -> None:
    server = await asyncpg.connect(PG_SERVER, timeout=5)
    try:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await server.close()


def postgres_unavailable(exc: Exception) -> None:
    message = f"PostgreSQL at {PG_SERVER} is unreachable: {exc!r}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


async def truncate_all(db: Database) -> None:
    # The search index is outside the metadata (engine-specific DDL), but emptied all the same.
    names = [t.name for t in metadata.sorted_tables] + ["messages_search_docs"]
    tables = ", ".join(f'"{name}"' for name in names)
    async with db.write() as conn:
        await conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def database_url(engine: str, request: pytest.FixtureRequest) -> str:
    """The URL of a migrated database of `engine` for this test (sync: it may build one)."""
    if engine == "sqlite":
        path = request.getfixturevalue("tmp_path") / "hubbub.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        return sqlite_url(path)
    url: str = request.getfixturevalue("postgres_database")
    return url


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[Database]:
    """The database at `url`, emptied, disposed afterwards."""
    db = Database(url)
    try:
        if not db.is_sqlite:
            await truncate_all(db)
        yield db
    finally:
        await db.dispose()
