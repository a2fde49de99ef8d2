"""Engines for the embedded SQLite default and for PostgreSQL.

SQLite allows one writer at a time. Instead of letting writers collide (and fail with
SQLITE_BUSY when a read transaction tries to upgrade), every write goes through a
one-connection pool that starts its transactions with `BEGIN IMMEDIATE`; reads use a
separate pool and, thanks to WAL, never wait for the writer.
"""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine


class Database:
    """Owns the engines; `write()` is a transaction, `read()` a plain connection."""

    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL") -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._commit_hooks: list[Callable[[], None]] = []
        if self.is_sqlite:
            _ensure_parent_dir(url)
            self.writer = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=60)
            self.reader = create_async_engine(url, pool_size=8, max_overflow=8)
            _configure_sqlite(self.writer, sqlite_synchronous, immediate=True)
            _configure_sqlite(self.reader, sqlite_synchronous, immediate=False)
        else:
            self.writer = create_async_engine(
                url, pool_size=10, max_overflow=10, pool_pre_ping=True
            )
            self.reader = self.writer

    @asynccontextmanager
    async def write(self, *, notify: bool = True) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back if it raises.

        After commit the `on_commit` hooks run, unless `notify` is False.
        """
        async with self.writer.begin() as conn:
            yield conn
        if notify:
            for hook in self._commit_hooks:
                hook()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.reader.connect() as conn:
            yield conn

    def on_commit(self, hook: Callable[[], None]) -> None:
        """Call `hook` after every committed write (the outbox relay wakes up this way)."""
        self._commit_hooks.append(hook)

    async def ping(self) -> bool:
        try:
            async with self.reader.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()


def _ensure_parent_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(engine: AsyncEngine, synchronous: str, *, immediate: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that we decide how BEGIN looks.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
