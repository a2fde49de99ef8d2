"""A first scaled-out run as the README tells it, on the local PostgreSQL and Redis: a missing
database is one sentence (and `db upgrade --create` makes it), a gateway refuses an unmigrated
database in a sentence, and gateways started from separate shells in a directory with the
`.env` of `hubbub init-env` accept each other's tokens."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e_cluster import (
    SHARED_REDIS_URL,
    create_database,
    delete_namespace,
    drop_database,
    postgres_url,
)
from e2e_server import DEFAULT_RATE_LIMIT, ServerProcess, free_port, hubbub_env
from e2e_ws import open_ws

API = "/api/v1"


def hubbub(workdir: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the `hubbub` command in `workdir`; (exit code, stdout + stderr)."""
    workdir.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-m", "hubbub", *args],
        env=hubbub_env(workdir / "data", rate_limit=DEFAULT_RATE_LIMIT, extra=env or {}),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


@pytest.fixture
def missing_database() -> Iterator[str]:
    """The name of a database that does not exist yet (dropped after the test if it does)."""
    drop_database(create_database())  # skips (fails under CI) without PostgreSQL
    name = f"hubbub_e2e_{uuid.uuid4().hex[:12]}"
    yield name
    drop_database(name)


def test_db_upgrade_on_a_missing_database_says_so_and_creates_it_when_asked(
    tmp_path: Path, missing_database: str
) -> None:
    env = {"HUBBUB_DATABASE_URL": postgres_url(missing_database)}
    code, output = hubbub(tmp_path, "db", "upgrade", env=env)
    assert code == 1
    assert output.strip().splitlines() == [
        f'hubbub: database "{missing_database}" on 127.0.0.1:5432 does not exist. Create it '
        f"with `hubbub db upgrade --create` (or `createdb {missing_database}`)."
    ]

    code, output = hubbub(tmp_path, "db", "upgrade", "--create", env=env)
    assert code == 0, output
    assert f'created database "{missing_database}" on 127.0.0.1:5432' in output
    assert "database at head" in output
    # Asked again, there is nothing to create and nothing to migrate.
    code, output = hubbub(tmp_path, "db", "upgrade", "--create", env=env)
    assert (code, "created" in output) == (0, False), output


def test_serving_an_unmigrated_or_unreachable_database_is_one_sentence(tmp_path: Path) -> None:
    database = create_database()
    try:
        env = {"HUBBUB_DATABASE_URL": postgres_url(database), "HUBBUB_JWT_SECRET": "s" * 32}
        code, output = hubbub(tmp_path, "serve", "gateway", "--port", str(free_port()), env=env)
        assert code == 1
        assert f'database "{database}" on 127.0.0.1:5432 has no schema yet' in output
        assert "Run `hubbub db upgrade` once" in output
        assert "Traceback" not in output
    finally:
        drop_database(database)

    nowhere = {"HUBBUB_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/x"}
    code, output = hubbub(tmp_path, "db", "upgrade", env=nowhere)
    assert code == 1
    assert "cannot reach database" in output and "connection refused" in output
    assert "Traceback" not in output


async def test_gateways_started_from_one_directory_share_the_secret_of_its_env_file(
    tmp_path: Path,
) -> None:
    database = create_database()
    namespace = f"e2e-{uuid.uuid4().hex[:12]}"
    gateways: list[ServerProcess] = []
    try:
        code, output = hubbub(
            tmp_path,
            "init-env",
            "--database-url",
            postgres_url(database),
            "--redis-url",
            SHARED_REDIS_URL,
        )
        assert code == 0, output
        code, output = hubbub(tmp_path, "db", "upgrade")  # reads the database from .env
        assert code == 0, output
        # As if started from two shells: nothing shared but the working directory.
        for name in ("one", "two"):
            gateway = ServerProcess(
                tmp_path / name, role="gateway", env={"HUBBUB_REDIS_NAMESPACE": namespace}
            )
            gateway.start()
            gateways.append(gateway)
        one, two = gateways
        async with httpx.AsyncClient(timeout=10) as http:
            account = {"username": f"env_{uuid.uuid4().hex[:8]}", "password": "long enough pw"}
            registered = await http.post(f"{one.base_url}{API}/auth/register", json=account)
            assert registered.status_code == 201, registered.text
            login = await http.post(f"{one.base_url}{API}/auth/login", json=account)
            token = login.json()["token"]
            me = await http.get(
                f"{two.base_url}{API}/users/me", headers={"Authorization": f"Bearer {token}"}
            )
            assert me.status_code == 200, me.text
        async with open_ws(two.ws_url, token) as ws:
            await ws.roundtrip()
    finally:
        for gateway in gateways:
            gateway.stop()
        drop_database(database)
        delete_namespace(SHARED_REDIS_URL, namespace)
