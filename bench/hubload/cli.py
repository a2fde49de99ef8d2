"""Command line of the load generator: `loadgen.py idle ...` and `loadgen.py rate ...`."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvloop

from .client import (
    Account,
    HubClient,
    SetupError,
    load_accounts,
    register_accounts,
    run_id,
    save_accounts,
)
from .idle import IdleOptions, run_idle
from .procinfo import load_average, machine_info, raise_nofile_limit
from .profiler import ProfileOptions, Profiler
from .rate import StepOptions
from .report import idle_table, rate_table
from .sweep import SweepOptions, run_rate
from .watch import Watched

DEFAULT_URL = "http://127.0.0.1:8080"


def _rates(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


def _watch(text: str) -> tuple[str, int]:
    label, _, pid = text.partition("=")
    if not label or not pid.isdigit():
        raise argparse.ArgumentTypeError(f"expected LABEL=PID, got {text!r}")
    return label, int(pid)


def _servers(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--url",
        action="append",
        dest="urls",
        help=f"a gateway's base URL; repeat for several (default {DEFAULT_URL}). REST set-up "
        "goes to the first; WebSocket clients are spread over all of them",
    )
    parser.add_argument(
        "--http-concurrency",
        type=int,
        default=16,
        help="parallel register/login/create-chat requests (per server when registering)",
    )


def _common(parser: argparse.ArgumentParser) -> None:
    _servers(parser)
    parser.add_argument(
        "--server-pid",
        type=int,
        action="append",
        dest="server_pids",
        default=[],
        help="a gateway's pid, for RSS and CPU figures; repeat, in the order of --url",
    )
    parser.add_argument(
        "--watch",
        type=_watch,
        action="append",
        default=[],
        metavar="LABEL=PID",
        help="another process whose CPU each step reports (relay, redis); repeatable",
    )
    parser.add_argument("--postgres-pid", type=int, help="the PostgreSQL postmaster's pid")
    parser.add_argument(
        "--postgres-db", help="this run's database: its backends' CPU is reported apart"
    )
    parser.add_argument("--json", type=Path, help="write every figure to this JSON file")
    parser.add_argument(
        "--compression",
        choices=["deflate", "none"],
        default="none",
        help="offer permessage-deflate like a browser, or not (default none)",
    )


def _register_args(sub: Any) -> None:
    p = sub.add_parser(
        "register", help="register and log in users once, write them to a file (for --accounts)"
    )
    _servers(p)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--accounts-out", type=Path, required=True)


def _idle_args(sub: Any) -> None:
    p = sub.add_parser("idle", help="hold N authenticated connections, report RSS per conn")
    _common(p)
    p.add_argument("--connections", type=int, default=10_000)
    p.add_argument("--conns-per-user", type=int, default=10)
    p.add_argument("--connect-concurrency", type=int, default=200)
    p.add_argument("--settle", type=float, default=5.0, help="seconds before reading RSS")
    p.add_argument("--hold", type=float, default=10.0, help="seconds to hold after that")


def _rate_args(sub: Any) -> None:
    p = sub.add_parser("rate", help="fixed send rates into rooms, delivery latency")
    _common(p)
    p.add_argument("--rooms", type=int, default=100)
    p.add_argument(
        "--accounts",
        type=Path,
        help="use the users of this file (from `loadgen.py register`) instead of registering",
    )
    p.add_argument("--room-size", type=int, default=10)
    p.add_argument("--rates", type=_rates, default=_rates("250,500,1000,1500,2000,3000"))
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per step")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds per step")
    p.add_argument(
        "--drain",
        type=float,
        default=5.0,
        help="after a step, await stragglers until none came for this many seconds",
    )
    p.add_argument("--pause", type=float, default=2.0, help="seconds between steps")
    p.add_argument("--repeat", type=int, default=1, help="runs per rate (medians reported)")
    p.add_argument("--p99-limit-ms", type=float, default=100.0)
    p.add_argument("--search", action="store_true", help="bisect for the max sustainable rate")
    p.add_argument("--search-resolution", type=float, default=50.0)
    p.add_argument("--search-max-steps", type=int, default=6)
    p.add_argument("--stop-after-failures", type=int, default=2)
    p.add_argument(
        "--settle-max",
        type=float,
        default=120.0,
        help="before each step, wait up to this many seconds for the server's CPU to drop",
    )
    p.add_argument(
        "--quiet-wait",
        type=float,
        default=120.0,
        help="before each step, wait up to this many seconds for other processes to go quiet",
    )
    p.add_argument("--profile-out", type=Path, help="py-spy flame graph (svg) of the server")
    p.add_argument(
        "--profile-rate",
        type=float,
        default=1000.0,
        help="profile the first step at or above this rate",
    )
    p.add_argument("--profile-seconds", type=int, default=15)
    p.add_argument("--py-spy", default=str(Path(sys.executable).with_name("py-spy")))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(prog="loadgen.py", description=__doc__)
    sub = parser.add_subparsers(dest="mode", required=True)
    _idle_args(sub)
    _rate_args(sub)
    _register_args(sub)
    args = parser.parse_args(argv)
    args.urls = args.urls or [DEFAULT_URL]
    return args


def _sweep_options(a: argparse.Namespace) -> SweepOptions:
    step = StepOptions(
        a.duration,
        a.warmup,
        a.drain,
        a.pause,
        a.p99_limit_ms,
        a.room_size,
        a.quiet_wait,
        a.settle_max,
    )
    return SweepOptions(
        rooms=a.rooms,
        rates=a.rates,
        repeat=a.repeat,
        search=a.search,
        search_resolution=a.search_resolution,
        search_max_steps=a.search_max_steps,
        stop_after_failures=a.stop_after_failures,
        compression=_compression(a),
        step=step,
    )


def _compression(a: argparse.Namespace) -> str | None:
    return None if a.compression == "none" else "deflate"


def _profiler(a: argparse.Namespace, watched: Watched) -> Profiler | None:
    if not a.profile_out or not watched.first_gateway:
        return None
    opts = ProfileOptions(a.py_spy, a.profile_out, a.profile_rate, a.profile_seconds)
    return Profiler(opts, watched.first_gateway)


def _watched(a: argparse.Namespace) -> Watched:
    return Watched(
        gateways=a.server_pids,
        extra=dict(a.watch),
        postgres_pid=a.postgres_pid,
        postgres_db=a.postgres_db,
    )


async def _rate_accounts(a: argparse.Namespace, hubs: list[HubClient]) -> list[Account]:
    count = a.rooms * a.room_size
    if a.accounts:
        print(f"using {count} accounts of {a.accounts}", flush=True)
        return load_accounts(a.accounts, count)
    accounts, _ = await register_accounts(hubs, run_id(), count)
    return accounts


async def _run(a: argparse.Namespace, hubs: list[HubClient]) -> dict[str, Any]:
    watched = _watched(a)
    if a.mode == "idle":
        opts = IdleOptions(
            a.connections,
            a.conns_per_user,
            a.connect_concurrency,
            a.settle,
            a.hold,
            _compression(a),
        )
        return {"idle": await run_idle(hubs, watched, opts, run_id())}
    started = time.perf_counter()
    accounts = await _rate_accounts(a, hubs)
    setup_s = time.perf_counter() - started
    profiler = _profiler(a, watched)
    result = await run_rate(hubs, accounts, watched, _sweep_options(a), profiler)
    result["accounts"] = {"file": str(a.accounts) if a.accounts else None, "seconds": setup_s}
    if profiler:
        result["profile"] = {
            "svg": str(a.profile_out),
            "raw": str(profiler.raw_path()),
            "exit_codes": await profiler.wait(),
        }
    return {"rate": result}


async def _register(a: argparse.Namespace, hubs: list[HubClient]) -> int:
    accounts, seconds = await register_accounts(hubs, run_id(), a.count)
    save_accounts(a.accounts_out, accounts)
    print(f"{len(accounts)} accounts in {seconds:.1f} s -> {a.accounts_out}")
    return 0


async def amain(a: argparse.Namespace) -> int:
    """Run the chosen mode, print the table, write the JSON."""
    hubs = [HubClient(url, a.http_concurrency) for url in a.urls]
    try:
        for hub in hubs:
            if not await hub.healthy():
                print(f"server at {hub.base_url} does not answer /healthz", file=sys.stderr)
                return 2
        if a.mode == "register":
            return await _register(a, hubs)
        meta = {
            "argv": sys.argv,
            "urls": a.urls,
            "server_pids": a.server_pids,
            "watched": dict(a.watch),
            "postgres": {"pid": a.postgres_pid, "db": a.postgres_db},
            "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "nofile_limit": raise_nofile_limit(),
            "machine": machine_info(),
            "load_average_at_start": load_average(),
        }
        result = await _run(a, hubs)
    except (SetupError, httpx.HTTPError) as exc:
        print(f"set-up failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    finally:
        for hub in hubs:
            await hub.close()
    result["meta"] = meta
    print(idle_table(result["idle"]) if "idle" in result else rate_table(result["rate"]))
    if a.json:
        a.json.write_bytes(orjson.dumps(result, option=orjson.OPT_INDENT_2))
    return 1 if result.get("rate", {}).get("aborted") else 0


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    args = parse_args(argv)
    return uvloop.run(amain(args))
