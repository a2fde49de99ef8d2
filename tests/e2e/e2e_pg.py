"""A `hubbub serve` (role all) on a fresh PostgreSQL database, for tests that must hold on
both engines."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from e2e_cluster import create_database, drop_database, migrate, postgres_url
from e2e_server import ServerProcess


@contextmanager
def running_pg_server(workdir: Path, env: dict[str, str] | None = None) -> Iterator[ServerProcess]:
    """A migrated database of its own and one `serve all` on it; dropped afterwards."""
    with ExitStack() as cleanup:
        database = create_database()
        cleanup.callback(drop_database, database)
        shared = {
            "HUBBUB_DATABASE_URL": postgres_url(database),
            "HUBBUB_JWT_SECRET": secrets.token_urlsafe(32),
            **(env or {}),
        }
        migrate(workdir, shared)
        server = ServerProcess(workdir / "data", env=shared)
        cleanup.callback(server.stop)
        server.start()
        yield server
