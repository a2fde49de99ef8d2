"""Idle mode: hold many authenticated WebSocket connections and measure the server's RSS."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed
from websockets.protocol import State

from .client import (
    Account,
    HubClient,
    bounded_map,
    close_all,
    negotiated_extensions,
    open_ws,
    register_accounts,
)
from .watch import Watched


@dataclass
class IdleOptions:
    """What the idle run does."""

    connections: int
    conns_per_user: int
    connect_concurrency: int
    settle_s: float
    hold_s: float
    compression: str | None


@dataclass
class Drain:
    """Counts what idle connections receive and how they end."""

    frames: Counter[str] = field(default_factory=Counter)
    closes: Counter[str] = field(default_factory=Counter)

    async def read(self, ws: ClientConnection) -> None:
        """Consume frames until the connection closes."""
        try:
            while True:
                raw = await ws.recv(decode=False)
                frame = orjson.loads(raw)
                self.frames[str(frame.get("type"))] += 1
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            self.closes[str(code)] += 1


async def _connect_all(
    base_urls: list[str], accounts: list[Account], opts: IdleOptions
) -> tuple[list[ClientConnection], Counter[str]]:
    """Open the connections, round-robin over the gateways."""
    tokens = [a.token for a in accounts for _ in range(opts.conns_per_user)][: opts.connections]
    targets = [(base_urls[i % len(base_urls)], token) for i, token in enumerate(tokens)]
    failures: Counter[str] = Counter()

    async def one(target: tuple[str, str]) -> ClientConnection | None:
        base_url, token = target
        try:
            return await open_ws(base_url, token, opts.compression)
        except Exception as exc:  # every kind of failure is counted and reported
            failures[type(exc).__name__ + ": " + str(exc)[:120]] += 1
            return None

    opened = await bounded_map(one, targets, opts.connect_concurrency)
    return [ws for ws in opened if ws is not None], failures


def _per_conn(kb: int | None, n: int) -> float | None:
    return None if kb is None or n == 0 else round(kb / n, 2)


async def _gauge(hubs: list[HubClient], name: str) -> float | None:
    """A metric summed over the servers (None if none reports it)."""
    values = [v for v in [await hub.metric(name) for hub in hubs] if v is not None]
    return sum(values) if values else None


async def run_idle(
    hubs: list[HubClient], watched: Watched, opts: IdleOptions, prefix: str
) -> dict[str, Any]:
    """Register users, open the connections (round-robin over the servers), hold them, and
    report RSS per connection (summed over the servers)."""
    rss_start = watched.rss_kb()
    users = -(-opts.connections // opts.conns_per_user)
    accounts, register_s = await register_accounts(hubs, prefix, users)
    rss_before = watched.rss_kb()
    print(f"opening {opts.connections} connections ...", flush=True)
    started = time.perf_counter()
    conns, failures = await _connect_all([h.base_url for h in hubs], accounts, opts)
    connect_s = time.perf_counter() - started
    drain = Drain()
    readers = [asyncio.create_task(drain.read(ws)) for ws in conns]
    await asyncio.sleep(opts.settle_s)
    rss_connected = watched.rss_kb()
    gauge = await _gauge(hubs, "hubbub_ws_connections")
    await asyncio.sleep(opts.hold_s)
    rss_held = watched.rss_kb()
    still_open = sum(1 for ws in conns if ws.state is State.OPEN)
    n = len(conns)
    delta = None if rss_before is None or rss_connected is None else rss_connected - rss_before
    await close_all(conns)
    await asyncio.gather(*readers, return_exceptions=True)
    await asyncio.sleep(1)
    return {
        "requested": opts.connections,
        "users": users,
        "conns_per_user": opts.conns_per_user,
        "opened": n,
        "failed": sum(failures.values()),
        "failures": dict(failures),
        "still_open_after_hold": still_open,
        "hold_s": opts.hold_s,
        "register_login_s": round(register_s, 2),
        "register_login_per_s": round(users / register_s, 1) if register_s else None,
        "connect_s": round(connect_s, 2),
        "connects_per_s": round(n / connect_s, 1) if connect_s else None,
        "ws_extensions": negotiated_extensions(conns[0]) if conns else None,
        "metrics_ws_connections": gauge,
        "rss_kb": {
            "server_start": rss_start,
            "before_connect": rss_before,
            "all_connected": rss_connected,
            "after_hold": rss_held,
            "after_close": watched.rss_kb(),
        },
        "rss_delta_per_conn_kb": _per_conn(delta, n),
        "rss_total_per_conn_kb": _per_conn(rss_connected, n),
        "frames_received": dict(drain.frames),
        "closed_by_server_before_end": still_open != n,
        "close_codes": dict(drain.closes),
    }
