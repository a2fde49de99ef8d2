"""Database fixtures for every tier that needs a real database (integration, contract): a
migrated, empty database per test, on each engine. A conftest imports them by name."""

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from integration_db import (
    ENGINES,
    create_postgres_database,
    database_url,
    drop_postgres_database,
    migrate,
    open_database,
    postgres_unavailable,
    postgres_url,
    sqlite_url,
)

from hubbub.infra.db import Database


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies."""
    path = tmp_path_factory.mktemp("sqlite-template") / "hubbub.db"
    asyncio.run(migrate(sqlite_url(path)))
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """The URL of this session's migrated PostgreSQL database."""
    try:
        name = asyncio.run(create_postgres_database())
    except (OSError, asyncpg.PostgresError, TimeoutError) as exc:
        postgres_unavailable(exc)
    try:
        asyncio.run(migrate(postgres_url(name)))
        yield postgres_url(name)
    finally:
        asyncio.run(drop_postgres_database(name))


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest) -> str:
    return database_url(request.param, request)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """A migrated, empty database: SQLite, then PostgreSQL."""
    async with open_database(db_url) as database:
        yield database
