"""A scaled-out hubbub for the end-to-end tests: N `serve gateway` processes, one
`serve relay` and M `serve assistant`s on a fresh PostgreSQL database, sharing Redis (or a
Redis of the test's own).

Everything a deployment shares is in one env: the database, the JWT secret (a token from one
gateway must open a socket on another) and a random Redis namespace, because the machine's
Redis is shared with other test runs.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest
import redis
from e2e_server import DEFAULT_RATE_LIMIT, ServerProcess, hubbub_env

PG_SERVER = os.environ.get("HUBBUB_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
SHARED_REDIS_URL = "redis://127.0.0.1:6379/0"
READY_TIMEOUT = 15.0
MIGRATE_TIMEOUT = 60.0
WS_RATE_LIMIT = 1_000_000  # the tests send bursts; the budget is not what they test


@dataclass
class Cluster:
    """The processes of one deployment and what they share."""

    env: dict[str, str]
    namespace: str
    database: str
    gateways: list[ServerProcess]
    relay: ServerProcess | None
    assistants: list[ServerProcess]
    indexers: list[ServerProcess] = field(default_factory=list)
    moods: list[ServerProcess] = field(default_factory=list)

    @property
    def processes(self) -> list[ServerProcess]:
        return [
            *self.gateways,
            *([self.relay] if self.relay else []),
            *self.assistants,
            *self.indexers,
            *self.moods,
        ]


def postgres_url(database: str) -> str:
    server = PG_SERVER.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{server}/{database}"


def _on_postgres_server(sql: str) -> None:
    """Run one statement on the server's maintenance database. asyncpg is async only and a
    fixture may run inside an event loop, so the statement gets a loop of its own."""

    async def execute() -> None:
        conn = await asyncpg.connect(PG_SERVER, timeout=5)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(execute())).result()


def create_database() -> str:
    """A new empty database (`hubbub_e2e_<hex>`); without PostgreSQL the test skips, or
    fails under CI, where a skipped scale-out suite would hide a broken deployment."""
    name = f"hubbub_e2e_{uuid.uuid4().hex[:12]}"
    try:
        _on_postgres_server(f'CREATE DATABASE "{name}"')
    except (OSError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL at {PG_SERVER} is unreachable: {exc!r}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return name


def drop_database(name: str) -> None:
    _on_postgres_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(workdir: Path, env: dict[str, str]) -> None:
    """`hubbub db upgrade`, once, as an operator does before starting the gateways."""
    workdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "hubbub", "db", "upgrade"],
        env=hubbub_env(workdir / "migrate", rate_limit=DEFAULT_RATE_LIMIT, extra=env),
        cwd=workdir,
        capture_output=True,
        timeout=MIGRATE_TIMEOUT,
        check=False,
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace")
        raise RuntimeError(f"hubbub db upgrade exited with {done.returncode}:\n{output}")


def wait_ready(process: ServerProcess, timeout: float = READY_TIMEOUT) -> None:
    """Block until /readyz says 200: healthy is not enough for a load balancer to send
    traffic, the process must also reach its database, Redis and bus."""
    deadline = time.monotonic() + timeout
    last = ""
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            try:
                resp = client.get(f"{process.base_url}/readyz")
                if resp.status_code == 200:
                    return
                last = resp.text
            except httpx.TransportError as exc:
                last = repr(exc)
            time.sleep(0.1)
    raise RuntimeError(
        f"hubbub {process.role} not ready after {timeout}s: {last}\n{process.log_tail()}"
    )


def delete_namespace(redis_url: str, namespace: str) -> None:
    """Remove the deployment's keys and streams (SCAN by prefix: the Redis is shared)."""
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    try:
        keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
    except redis.RedisError:
        pass  # a test that stopped its own Redis has nothing left to clean
    finally:
        client.close()


def start_ready(process: ServerProcess) -> None:
    """(Re)start a process of the cluster and wait until it is ready."""
    process.start()
    wait_ready(process)


def _side_by_side(action: Callable[[ServerProcess], None], processes: list[ServerProcess]) -> None:
    """Start or stop the processes in parallel (each mostly waits: for imports, for exit)."""
    with ThreadPoolExecutor(max(1, len(processes))) as pool:
        for future in [pool.submit(action, process) for process in processes]:
            future.result()


@contextmanager
def running_cluster(
    workdir: Path,
    *,
    gateways: int = 2,
    relay: bool = True,
    assistants: int = 0,
    indexers: int = 0,
    moods: int = 0,
    redis_url: str = SHARED_REDIS_URL,
    env: dict[str, str] | None = None,
) -> Iterator[Cluster]:
    """A fresh database, migrated, and `gateways` gateways (+ a relay, + `assistants`
    assistant workers) on it, all on
    `redis_url` (state, fan-out and bus) in a namespace of their own; everything is stopped
    and the database dropped afterwards."""
    namespace = f"e2e-{uuid.uuid4().hex[:12]}"
    with ExitStack() as cleanup:
        database = create_database()
        cleanup.callback(drop_database, database)
        cleanup.callback(delete_namespace, redis_url, namespace)
        shared = {
            "HUBBUB_DATABASE_URL": postgres_url(database),
            "HUBBUB_REDIS_URL": redis_url,
            "HUBBUB_FANOUT_URL": redis_url,
            "HUBBUB_BUS_URL": redis_url,
            "HUBBUB_REDIS_NAMESPACE": namespace,
            "HUBBUB_JWT_SECRET": secrets.token_urlsafe(32),
            "HUBBUB_WS_RATE_LIMIT_PER_MINUTE": str(WS_RATE_LIMIT),
            "HUBBUB_WS_RATE_LIMIT_BURST": str(WS_RATE_LIMIT),
            **(env or {}),
        }
        migrate(workdir, shared)
        cluster = Cluster(
            env=shared,
            namespace=namespace,
            database=database,
            gateways=[
                ServerProcess(workdir / f"gateway{n}", env=shared, role="gateway")
                for n in range(gateways)
            ],
            relay=ServerProcess(workdir / "relay", env=shared, role="relay") if relay else None,
            assistants=[
                ServerProcess(workdir / f"assistant{n}", env=shared, role="assistant")
                for n in range(assistants)
            ],
            indexers=[
                ServerProcess(workdir / f"indexer{n}", env=shared, role="indexer")
                for n in range(indexers)
            ],
            moods=[
                ServerProcess(workdir / f"mood{n}", env=shared, role="mood") for n in range(moods)
            ],
        )
        cleanup.callback(_side_by_side, ServerProcess.stop, cluster.processes)
        _side_by_side(start_ready, cluster.processes)
        yield cluster
