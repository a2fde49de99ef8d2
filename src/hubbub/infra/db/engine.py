"""Engines for the embedded SQLite default and for PostgreSQL.

SQLite allows one writer at a time. Rather than letting writers collide on the file lock
(busy waits, or SQLITE_BUSY when a read transaction tries to upgrade), hubbub serialises
writes itself: every write takes `_write_lock` and starts with `BEGIN IMMEDIATE`. Reads use
their own pool and, thanks to WAL, never wait for the writer.

The hot path (a batch of messages) runs its whole transaction in one call on a dedicated
writer thread with the synchronous driver (`run_write`), instead of one thread hop per
statement through aiosqlite; on PostgreSQL the same function runs through asyncpg.

WAL checkpoints (copying committed pages from the WAL into the database file, with an
`fsync` of it) run on a background connection and thread, about once a second after writes,
in PASSIVE mode (never waiting for anyone), instead of inside whichever commit crossed
SQLite's 1,000-page mark. The writers' automatic checkpoint stays as a bound only
(`WAL_AUTOCHECKPOINT_PAGES`, ~40 MB): it runs if the background one falls behind, and
`journal_size_limit` truncates the WAL file back after it. Durability does not depend on
checkpoints: a commit is durable once its WAL frames are synced.
"""

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

T = TypeVar("T")

CHECKPOINT_SECONDS = 1.0
WAL_AUTOCHECKPOINT_PAGES = 10_000  # the writers' own checkpoint: a bound, not the routine
WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024


class Database:
    """Owns the engines; `write()` is a transaction, `read()` a plain connection.

    Every engine hides statement parameters from its exceptions: they hold message and
    diary text and password hashes, which must never reach a log through a traceback.
    """

    def __init__(self, url: str, *, sqlite_synchronous: str = "FULL") -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        self._commit_hooks: list[Callable[[], None]] = []
        self._background: set[asyncio.Future[None]] = set()
        self._write_lock = asyncio.Lock() if self.is_sqlite else contextlib.nullcontext()
        self._sync_writer: Engine | None = None
        self._writer_thread: ThreadPoolExecutor | None = None
        self._checkpointer: asyncio.Task[None] | None = None
        self._checkpoint_thread: ThreadPoolExecutor | None = None
        self._writes = 0  # committed writes, for the checkpointer (SQLite)
        if self.is_sqlite:
            _ensure_parent_dir(url)
            self.writer = create_async_engine(
                url, pool_size=1, max_overflow=0, pool_timeout=60, hide_parameters=True
            )
            self.reader = create_async_engine(
                url, pool_size=8, max_overflow=8, hide_parameters=True
            )
            _configure_sqlite(self.writer.sync_engine, sqlite_synchronous, immediate=True)
            _configure_sqlite(self.reader.sync_engine, sqlite_synchronous, immediate=False)
            self._sync_writer = create_engine(
                url.replace("+aiosqlite", "+pysqlite"),
                pool_size=1,
                max_overflow=0,
                connect_args={"check_same_thread": False},
                hide_parameters=True,
            )
            _configure_sqlite(self._sync_writer, sqlite_synchronous, immediate=True)
            self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")
        else:
            # Sized for bursts: connections beyond the pool are opened and closed per use,
            # which under load costs more than the queries (each gateway holds up to 30).
            # Custom plans only: a pooled connection lives for hours, and a generic plan
            # cached while a table was small (say, the messages lookup of retried request
            # ids, planned as a sequential scan) would be kept as the table grows; planning
            # these short statements each time costs the server a few tens of µs.
            self.writer = create_async_engine(
                url,
                pool_size=20,
                max_overflow=10,
                pool_pre_ping=True,
                connect_args={"server_settings": {"plan_cache_mode": "force_custom_plan"}},
                hide_parameters=True,
            )
            self.reader = self.writer

    @asynccontextmanager
    async def write(self, *, notify: bool = True) -> AsyncIterator[AsyncConnection]:
        """One transaction: committed when the block ends, rolled back if it raises.

        After commit the `on_commit` hooks run, unless `notify` is False.
        """
        async with self._write_lock, self.writer.begin() as conn:
            yield conn
        self._wrote()
        if notify:
            self._committed()

    async def run_write(self, work: Callable[[Connection], T], *, notify: bool = True) -> T:
        """Run `work(connection)` as one transaction, in one hop (see the module docstring).
        After commit the `on_commit` hooks run, unless `notify` is False."""
        if self._sync_writer is None or self._writer_thread is None:
            async with self.writer.begin() as conn:
                result = await conn.run_sync(work)
        else:
            engine = self._sync_writer

            def transaction() -> T:
                with engine.begin() as conn:
                    return work(conn)

            async with self._write_lock:
                loop = asyncio.get_running_loop()
                result = await loop.run_in_executor(self._writer_thread, transaction)
            self._wrote()
        if notify:
            self._committed()
        return result

    async def run_asyncpg_write(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """PostgreSQL only: run `work(asyncpg connection)` in one transaction, on the driver
        itself (for the hot write path, whose statements SQLAlchemy would recompile)."""
        if self.is_sqlite:
            raise RuntimeError("run_asyncpg_write needs PostgreSQL")
        async with self.writer.connect() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            async with raw.transaction():
                result = await work(raw)
        self._committed()
        return result

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        async with self.reader.connect() as conn:
            yield conn

    def forget_deleted(self) -> None:
        """After text was deleted: on SQLite, start a checkpoint that empties the WAL, whose
        old page images still hold the text (the pages themselves are zeroed by
        `secure_delete`). Best effort: a reader in the way makes it give up after 200 ms, and
        the next delete or SQLite's own checkpoint tries again. PostgreSQL's old row versions
        are left to autovacuum."""
        if not self.is_sqlite:
            return
        path = self.url.split("///", 1)[-1]
        task = asyncio.get_running_loop().run_in_executor(None, _checkpoint_truncate, path)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

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

    def _wrote(self) -> None:
        """SQLite: count a committed write, and start the checkpointer on the first one."""
        if not self.is_sqlite:
            return
        self._writes += 1
        if self._checkpointer is None and _file_path(self.url) is not None:
            self._checkpoint_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-ckpt")
            self._checkpointer = asyncio.get_running_loop().create_task(
                self._checkpoint_loop(), name="sqlite-checkpointer"
            )

    async def _checkpoint_loop(self) -> None:
        path = _file_path(self.url)
        assert path is not None
        loop = asyncio.get_running_loop()
        done = 0
        connection: list[sqlite3.Connection] = []  # opened and used on the checkpoint thread
        try:
            while True:
                await asyncio.sleep(CHECKPOINT_SECONDS)
                if self._writes == done:
                    continue  # idle: nothing to copy
                done = self._writes
                await loop.run_in_executor(
                    self._checkpoint_thread, _checkpoint_passive, path, connection
                )
        finally:
            if connection and self._checkpoint_thread is not None:
                await loop.run_in_executor(self._checkpoint_thread, connection[0].close)

    async def checkpoint_now(self) -> None:
        """SQLite: one PASSIVE checkpoint from a fresh connection, now (tests, shutdown)."""
        path = _file_path(self.url) if self.is_sqlite else None
        if path is not None:
            await asyncio.get_running_loop().run_in_executor(None, _checkpoint_passive, path, [])

    async def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checkpointer
            self._checkpointer = None
        if self._checkpoint_thread is not None:
            self._checkpoint_thread.shutdown(wait=True)
            self._checkpoint_thread = None
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        await self.writer.dispose()
        if self.reader is not self.writer:
            await self.reader.dispose()
        if self._sync_writer is not None:
            self._sync_writer.dispose()
        if self._writer_thread is not None:
            self._writer_thread.shutdown(wait=True)

    def _committed(self) -> None:
        for hook in self._commit_hooks:
            hook()


def _checkpoint_truncate(path: str) -> None:
    try:
        with contextlib.closing(sqlite3.connect(path, timeout=0.2)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error:
        pass  # busy: the next checkpoint will do


def _checkpoint_passive(path: str, connection: list[sqlite3.Connection]) -> None:
    """Copy what it can from the WAL into the database file, waiting for no one. `connection`
    holds the checkpoint thread's connection between calls (opened on first use)."""
    try:
        if not connection:
            conn = sqlite3.connect(path, timeout=0.2, check_same_thread=False)
            conn.isolation_level = None
            conn.execute("PRAGMA busy_timeout=200")
            connection.append(conn)
        connection[0].execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error:
        pass  # busy or gone: the next round tries again, and the writers' bound still holds


def _file_path(url: str) -> str | None:
    path = url.split("///", 1)[-1]
    if not path or path == ":memory:" or "mode=memory" in path:
        return None
    return path


def _ensure_parent_dir(url: str) -> None:
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _configure_sqlite(sync_engine: Engine, synchronous: str, *, immediate: bool) -> None:
    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so that we decide how BEGIN looks.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
        cursor.execute(f"PRAGMA journal_size_limit={WAL_SIZE_LIMIT_BYTES}")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Freed space is zeroed, so a deleted message's text does not linger in free pages.
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    @event.listens_for(sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
