"""The cost of one gRPC hop: a unary call (UsersApi.get, GetUserByID) made in this process
against the local users service, and the same call over gRPC on loopback to a users service
in another process: with grpc.aio alone (a bare channel to a bare server), and with hubbub's
client policy and server (`hubbub.infra.rpc`: interceptors, health, reflection).

A fresh SQLite database holds one profile; the users service reads it through its profile
cache, so every call does the same small amount of work and the difference is the hop. The
servers run in subprocesses of this script (`--serve`), every side on uvloop as `hubbub
serve` runs, the servers pinned to one core and the client to the other (`--server-cpu`,
`--client-cpu`). Calls are
sequential (one in flight: the latency of a hop), then `--concurrency` callers at once (the
calls per second one client process gets through one channel); the three kinds of call take
turns, `--repeat` times, and the medians are reported. The CPU time each side spent per
sequential call is reported too: on a busy machine it is the figure that does not depend on
how long a process waited for a core.

    .venv/bin/python bench/rpc_hop.py --calls 20000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from uuid import UUID

import grpc
import uvloop

from hubbub.contexts.users import NewUser, UsersApi
from hubbub.contexts.users.rpc import SERVICE, add_users_service
from hubbub.contexts.users.wiring import local_users, remote_users, serve_users, users_channel
from hubbub.infra.cache import InMemoryCache
from hubbub.infra.db import Database
from hubbub.infra.db.migrate import upgrade
from hubbub.infra.observability.logging import configure_logging
from hubbub.infra.presence import InMemoryPresence
from hubbub.infra.rpc import ClientPolicy, RpcServer
from hubbub.infra.rpc.channels import service_config
from hubbub.kernel.clock import SystemClock
from hubload.stats import percentile

ROOT = Path(__file__).resolve().parents[1]


def users_on(db: Database) -> UsersApi:
    return local_users(
        db=db, presence=InMemoryPresence(), clock=SystemClock(), cache=InMemoryCache()
    )


async def serve(db_url: str, port: int, *, bare: bool) -> None:
    """The users service on `port` until SIGTERM (the `--serve` side): behind hubbub's
    RpcServer, or (`bare`) a plain grpc.aio server with the servicer and nothing else."""
    db = Database(db_url)
    api = users_on(db)
    server: RpcServer | grpc.aio.Server
    if bare:
        server = grpc.aio.server()
        add_users_service(server, api)
        server.add_insecure_port(f"127.0.0.1:{port}")
        await server.start()
    else:
        server = RpcServer(cache=InMemoryCache(), idempotency_ttl_seconds=60)
        serve_users(server, api)
        await server.start(f"127.0.0.1:{port}")
    print("ready", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await server.stop(1.0)
    await db.dispose()


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def measure(
    call: Callable[[], Awaitable[object]],
    *,
    calls: int,
    warmup: int,
    concurrency: int,
    server_pid: int | None,
) -> dict[str, float]:
    """Sequential latencies (µs percentiles) and CPU per call on each side (µs), then
    calls/s with `concurrency` in flight."""
    for _ in range(warmup):
        await call()
    samples: list[int] = []
    client_cpu = cpu_seconds(os.getpid())
    server_cpu = cpu_seconds(server_pid) if server_pid else 0.0
    for _ in range(calls):
        started = time.perf_counter_ns()
        await call()
        samples.append(time.perf_counter_ns() - started)
    client_cpu = cpu_seconds(os.getpid()) - client_cpu
    server_cpu = (cpu_seconds(server_pid) - server_cpu) if server_pid else 0.0
    samples.sort()

    async def caller(count: int) -> None:
        for _ in range(count):
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(caller(calls // concurrency) for _ in range(concurrency)))
    rate = (calls // concurrency) * concurrency / (time.perf_counter() - started)
    summary = {f"p{q:g}": (percentile(samples, q) or 0) / 1000 for q in (50, 90, 99, 99.9)}
    return summary | {
        "mean": sum(samples) / len(samples) / 1000,
        "client_cpu": client_cpu / calls * 1e6,
        "server_cpu": server_cpu / calls * 1e6,
        "rate": rate,
    }


async def run(
    args: argparse.Namespace, db_url: str, user_id: UUID, servers: dict[str, tuple[int, int]]
) -> None:
    """`servers`: (port, pid) of the bare and of the hubbub server."""
    db = Database(db_url)
    local = users_on(db)
    (bare_port, bare_pid), (hubbub_port, hubbub_pid) = servers["bare"], servers["hubbub"]
    bare = grpc.aio.insecure_channel(
        f"127.0.0.1:{bare_port}",
        options=[("grpc.service_config", service_config([SERVICE]))],
    )
    channel = users_channel(f"127.0.0.1:{hubbub_port}", policy=ClientPolicy(deadline_seconds=2.0))
    remote = remote_users(channel)
    bare_users = remote_users(bare)
    calls: dict[str, tuple[Callable[[], Awaitable[object]], int | None]] = {
        "local (in process)": (lambda: local.get(user_id=user_id), None),
        "gRPC, bare (grpc.aio alone)": (lambda: bare_users.get(user_id=user_id), bare_pid),
        "gRPC, hubbub's client and server policy": (
            lambda: remote.get(user_id=user_id),
            hubbub_pid,
        ),
    }
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in calls}
    for _ in range(args.repeat):  # interleaved, so that noise from elsewhere hits every mode
        for name, (call, pid) in calls.items():
            runs[name].append(
                await measure(
                    call,
                    calls=args.calls,
                    warmup=args.warmup,
                    concurrency=args.concurrency,
                    server_pid=pid,
                )
            )
    await bare.close()
    await channel.close()
    await db.dispose()

    print(
        f"\n{args.calls} sequential calls (after {args.warmup} to warm up), µs; then calls/s "
        f"with {args.concurrency} in flight; medians of {args.repeat} runs; load average "
        f"{os.getloadavg()[0]:.1f}\n"
    )
    print("| call | p50 | p90 | p99 | p99.9 | mean | CPU client | CPU server | calls/s |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, measured in runs.items():
        row = {key: statistics.median(m[key] for m in measured) for key in measured[0]}
        print(
            f"| {name} | {row['p50']:.0f} | {row['p90']:.0f} | {row['p99']:.0f} | "
            f"{row['p99.9']:.0f} | {row['mean']:.0f} | {row['client_cpu']:.0f} | "
            f"{row['server_cpu']:.0f} | {row['rate']:,.0f} |"
        )


async def prepare(db_url: str) -> UUID:
    db = Database(db_url)
    await upgrade(db)
    user = await users_on(db).create(new=NewUser(username="alice", email="alice@example.org"))
    await db.dispose()
    return user.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--server-cpu", default="0")
    parser.add_argument("--client-cpu", default="1")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    configure_logging("warning")  # one log line per call would be most of the work measured
    if args.serve:
        uvloop.run(serve(args.db, args.port, bare=args.bare))
        return

    os.sched_setaffinity(0, {int(args.client_cpu)})
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite+aiosqlite:///{tmp}/hubbub.db"
        user_id = uvloop.run(prepare(db_url))
        processes: dict[str, subprocess.Popen[str]] = {}
        servers: dict[str, tuple[int, int]] = {}
        try:
            for kind in ("bare", "hubbub"):
                port = _free_port()
                command = [sys.executable, __file__, "--serve", "--db", db_url, "--port", str(port)]
                server = subprocess.Popen(
                    [
                        "taskset",
                        "-c",
                        args.server_cpu,
                        *command,
                        *(["--bare"] if kind == "bare" else []),
                    ],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                processes[kind] = server
                assert server.stdout is not None and server.stdout.readline().strip() == "ready"
                servers[kind] = (port, server.pid)
            uvloop.run(run(args, db_url, user_id, servers))
        finally:
            for server in processes.values():
                server.send_signal(signal.SIGTERM)
                server.wait(timeout=10)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
