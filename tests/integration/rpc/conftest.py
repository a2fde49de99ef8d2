"""The gRPC plumbing against real servers: the users service on SQLite behind an in-process
grpc.aio server on a free loopback port (tests/rpc_servers.py), with the faults of
rpc_faults.py injected where a test needs them."""

from collections.abc import AsyncIterator

import pytest
from integration_db import database_url, open_database

from hubbub.contexts.users import UsersApi
from hubbub.contexts.users.wiring import local_users
from hubbub.infra.cache import InMemoryCache
from hubbub.infra.presence import InMemoryPresence
from hubbub.kernel.clock import SystemClock


@pytest.fixture
def sqlite_db_url(request: pytest.FixtureRequest) -> str:
    """A fresh, migrated SQLite database (the plumbing does not depend on the engine)."""
    return database_url("sqlite", request)


@pytest.fixture
async def users_api(sqlite_db_url: str) -> AsyncIterator[UsersApi]:
    """The local users service on a fresh, migrated SQLite database."""
    async with open_database(sqlite_db_url) as db:
        yield local_users(
            db=db, presence=InMemoryPresence(), clock=SystemClock(), cache=InMemoryCache()
        )
