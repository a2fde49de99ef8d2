"""A split deployment (issue 12) as operators run it: `hubbub serve users|auth|chats
--grpc-port` (here HUBBUB_GRPC_PORT), a gateway whose HUBBUB_PEERS_* name them, and a relay,
each its own process on one PostgreSQL and Redis. The REST API is the same whichever way the
system is split; /readyz reports each peer; a service that dies is a clear 503 (never a 500
or a hang) and everything recovers by itself when it is back."""

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e_api import API, bearer, direct_chat, expect, history, new_user, post_message
from e2e_cluster import (
    SHARED_REDIS_URL,
    create_database,
    delete_namespace,
    drop_database,
    migrate,
    postgres_url,
    start_ready,
)
from e2e_server import ServerProcess, free_port

pytestmark = pytest.mark.postgres


class Split:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.database = create_database()
        self.namespace = f"e2e-split-{self.database[-8:]}"
        self.env = {
            "HUBBUB_DATABASE_URL": postgres_url(self.database),
            "HUBBUB_REDIS_URL": SHARED_REDIS_URL,
            "HUBBUB_FANOUT_URL": SHARED_REDIS_URL,
            "HUBBUB_BUS_URL": SHARED_REDIS_URL,
            "HUBBUB_REDIS_NAMESPACE": self.namespace,
            "HUBBUB_JWT_SECRET": "split-secret-" + "x" * 40,
            "HUBBUB_RPC_BREAKER_RECOVERY_SECONDS": "1",
            "HUBBUB_RPC_DEADLINE_SECONDS": "3",
        }
        self.grpc = {name: free_port() for name in ("users", "auth", "chats")}
        peers = {
            f"HUBBUB_PEERS_{name.upper()}": f"127.0.0.1:{port}" for name, port in self.grpc.items()
        }
        users_peer = {"HUBBUB_PEERS_USERS": peers["HUBBUB_PEERS_USERS"]}
        self.users = self.service("users", {})
        self.auth = self.service("auth", users_peer)
        self.chats = self.service("chats", users_peer)
        self.gateway = ServerProcess(workdir / "gateway", env={**self.env, **peers}, role="gateway")
        self.relay = ServerProcess(workdir / "relay", env=self.env, role="relay")

    def service(self, name: str, extra: dict[str, str]) -> ServerProcess:
        env = {**self.env, **extra, "HUBBUB_GRPC_PORT": str(self.grpc[name])}
        return ServerProcess(self.workdir / name, env=env, role=name, keep_port=True)

    @property
    def processes(self) -> list[ServerProcess]:
        return [self.users, self.auth, self.chats, self.relay, self.gateway]


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Split]:
    deployment = Split(tmp_path_factory.mktemp("split"))
    try:
        migrate(deployment.workdir, deployment.env)
        for process in deployment.processes:  # the services before their callers
            start_ready(process)
        yield deployment
    finally:
        for process in reversed(deployment.processes):
            process.stop()
        drop_database(deployment.database)
        delete_namespace(SHARED_REDIS_URL, deployment.namespace)


async def test_the_rest_api_works_the_same_over_the_services(split: Split) -> None:
    async with httpx.AsyncClient(base_url=split.gateway.base_url, timeout=10) as http:
        (alice, alice_token), (bob, bob_token) = [await new_user(http) for _ in range(2)]
        chat = await direct_chat(http, alice_token, bob["id"])
        sent = await post_message(http, alice_token, chat["id"], "over the wire")
        page = await history(http, bob_token, chat["id"])
        assert [m["text"] for m in page["messages"]] == ["over the wire"]
        seen = expect(await http.get(f"{API}/chats/{chat['id']}", headers=bearer(bob_token)), 200)
        assert (seen["last_seq"], seen["unread_count"]) == (sent["seq"], 1)
        me = expect(await http.get(f"{API}/users/me", headers=bearer(alice_token)), 200)
        assert me["username"] == alice["username"]

        ready = expect(await http.get("/readyz"), 200)
        assert {k: v for k, v in ready["checks"].items() if k.startswith("peer_")} == {
            "peer_users": "ok",
            "peer_auth": "ok",
            "peer_chats": "ok",
        }
    async with httpx.AsyncClient(base_url=split.users.base_url, timeout=10) as ops:
        assert expect(await ops.get("/readyz"), 200)["checks"]["grpc"] == "ok"


async def test_a_dead_service_is_a_503_and_the_split_recovers_by_itself(split: Split) -> None:
    async with httpx.AsyncClient(base_url=split.gateway.base_url, timeout=15) as http:
        _user, token = await new_user(http)
        split.users.kill()
        started = time.monotonic()
        answer = await http.get(f"{API}/users/me", headers=bearer(token))
        assert answer.status_code == 503, answer.text
        assert time.monotonic() - started < 10  # a clear answer, not a hang
        not_ready = await http.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["peer_users"] == "error"

        start_ready(split.users)  # back on the same port
        deadline = time.monotonic() + 15
        while True:
            answer = await http.get(f"{API}/users/me", headers=bearer(token))
            if answer.status_code == 200 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.3)
        assert answer.status_code == 200, answer.text
