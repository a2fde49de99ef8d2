"""REST set-up (accounts, group chats) and WebSocket connections against a hubbub server."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

PASSWORD = "bench-password-1"
T = TypeVar("T")
R = TypeVar("R")


class SetupError(RuntimeError):
    """The server answered a set-up request with something unexpected."""


@dataclass(frozen=True)
class Account:
    """A registered and logged-in user."""

    user_id: str
    username: str
    token: str


# Tokens live 24 h by default (HUBBUB_JWT_TTL_SECONDS); an accounts file older than this is
# refused rather than failing half-way through a run with expired tokens.
ACCOUNTS_MAX_AGE_S = 20 * 3600


def save_accounts(path: Path, accounts: Sequence[Account]) -> None:
    """Write accounts (ids, names, tokens) so that later runs can skip argon2 registration."""
    body = {"created_at": time.time(), "accounts": [asdict(a) for a in accounts]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))


def load_accounts(path: Path, count: int) -> list[Account]:
    """The first `count` accounts of a file written by save_accounts."""
    body = orjson.loads(path.read_bytes())
    age = time.time() - float(body["created_at"])
    if age > ACCOUNTS_MAX_AGE_S:
        raise SetupError(f"{path} is {age / 3600:.1f} h old: its tokens may expire; register anew")
    accounts = [Account(**a) for a in body["accounts"]]
    if len(accounts) < count:
        raise SetupError(f"{path} holds {len(accounts)} accounts, {count} are needed")
    return accounts[:count]


def run_id() -> str:
    """A short random prefix so that repeated runs never collide on usernames."""
    return "b" + secrets.token_hex(4)


async def bounded_map(
    func: Callable[[T], Awaitable[R]], items: Iterable[T], concurrency: int
) -> list[R]:
    """Await func(item) for every item with at most `concurrency` in flight, in order."""
    semaphore = asyncio.Semaphore(concurrency)

    async def one(item: T) -> R:
        async with semaphore:
            return await func(item)

    return list(await asyncio.gather(*(one(item) for item in items)))


class HubClient:
    """The few REST calls the benchmark needs."""

    def __init__(self, base_url: str, concurrency: int) -> None:
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        self.base_url = base_url.rstrip("/")
        self.http = httpx.AsyncClient(base_url=self.base_url, limits=limits, timeout=120)
        self.concurrency = concurrency

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self.http.aclose()

    async def _post(self, path: str, body: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self.http.post(path, json=body, headers=headers)
        if response.status_code not in (200, 201):
            raise SetupError(f"POST {path} -> {response.status_code}: {response.text[:300]}")
        return response.json()

    async def account(self, username: str) -> Account:
        """Register a user and log it in."""
        user = await self._post(
            "/api/v1/auth/register", {"username": username, "password": PASSWORD}
        )
        login = await self._post("/api/v1/auth/login", {"username": username, "password": PASSWORD})
        return Account(user_id=str(user["id"]), username=username, token=str(login["token"]))

    async def create_group(self, owner: Account, title: str, members: list[Account]) -> str:
        """Create a group chat owned by `owner` with the given members; return its id."""
        body = {"type": "group", "title": title, "member_ids": [m.user_id for m in members]}
        chat = await self._post("/api/v1/chats", body, token=owner.token)
        return str(chat["id"])

    async def healthy(self) -> bool:
        """Whether GET /healthz answers 200."""
        try:
            return (await self.http.get("/healthz")).status_code == 200
        except httpx.HTTPError:
            return False

    async def metric(self, name: str) -> float | None:
        """The value of one unlabelled sample from GET /metrics, if present."""
        return (await self.metrics([name]))[name]

    async def metrics(self, names: Sequence[str]) -> dict[str, float | None]:
        """Unlabelled samples (labelled ones summed) from one GET /metrics; None if absent."""
        found: dict[str, float | None] = dict.fromkeys(names)
        try:
            response = await self.http.get("/metrics", timeout=10)
        except httpx.HTTPError:
            return found
        if response.status_code != 200:
            return found
        for line in response.text.splitlines():
            name = line.split("{", 1)[0].split(" ", 1)[0]
            if name in found:
                found[name] = (found[name] or 0.0) + float(line.rsplit(" ", 1)[1])
        return found


async def register_accounts(
    hubs: Sequence[HubClient], prefix: str, count: int
) -> tuple[list[Account], float]:
    """Register and log in `count` users, round-robin over the servers (argon2 is the slow
    part: spreading it over several gateways uses their cores in parallel)."""
    started = time.perf_counter()
    print(f"registering and logging in {count} users via {len(hubs)} server(s) ...", flush=True)

    async def one(index: int) -> Account:
        return await hubs[index % len(hubs)].account(f"{prefix}_{index}")

    concurrency = sum(h.concurrency for h in hubs)
    result = await bounded_map(one, range(count), concurrency)
    return result, time.perf_counter() - started


def ws_url(base_url: str, token: str) -> str:
    """The WebSocket URL for a token, derived from the HTTP base URL."""
    return base_url.replace("http", "ws", 1).rstrip("/") + f"/ws?token={token}"


async def open_ws(base_url: str, token: str, compression: str | None) -> ClientConnection:
    """Open one authenticated WebSocket (no client pings: the server's heartbeat is enough)."""
    return await connect(
        ws_url(base_url, token),
        compression=compression,
        proxy=None,
        open_timeout=60,
        ping_interval=None,
        close_timeout=5,
        max_queue=None,
        max_size=2**20,
    )


def negotiated_extensions(ws: ClientConnection) -> str:
    """The Sec-WebSocket-Extensions the server accepted ('' when none)."""
    if ws.response is None:
        return ""
    return str(ws.response.headers.get("Sec-WebSocket-Extensions", ""))


async def close_all(connections: Iterable[ClientConnection], concurrency: int = 500) -> None:
    """Close connections politely, a bounded number at a time."""

    async def close(ws: ClientConnection) -> None:
        with contextlib.suppress(TimeoutError, OSError):
            await asyncio.wait_for(ws.close(), timeout=10)

    await bounded_map(close, list(connections), concurrency)
