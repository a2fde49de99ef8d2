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

from .client import HubClient, SetupError, run_id
from .idle import IdleOptions, run_idle
from .procinfo import load_average, machine_info, raise_nofile_limit
from .profiler import ProfileOptions, Profiler
from .rate import StepOptions
from .report import idle_table, rate_table
from .sweep import SweepOptions, run_rate


def _rates(text: str) -> list[float]:
    return [float(part) for part in text.split(",") if part.strip()]


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--url", default="http://127.0.0.1:8080", help="server base URL")
    parser.add_argument("--server-pid", type=int, help="server pid, for RSS and CPU figures")
    parser.add_argument("--json", type=Path, help="write every figure to this JSON file")
    parser.add_argument(
        "--compression",
        choices=["deflate", "none"],
        default="none",
        help="offer permessage-deflate like a browser, or not (default none)",
    )
    parser.add_argument(
        "--http-concurrency",
        type=int,
        default=16,
        help="parallel register/login/create-chat requests",
    )


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
    return parser.parse_args(argv)


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


def _profiler(a: argparse.Namespace) -> Profiler | None:
    if not a.profile_out or not a.server_pid:
        return None
    opts = ProfileOptions(a.py_spy, a.profile_out, a.profile_rate, a.profile_seconds)
    return Profiler(opts, a.server_pid)


async def _run(a: argparse.Namespace, hub: HubClient) -> dict[str, Any]:
    prefix = run_id()
    if a.mode == "idle":
        opts = IdleOptions(
            a.connections,
            a.conns_per_user,
            a.connect_concurrency,
            a.settle,
            a.hold,
            _compression(a),
        )
        return {"idle": await run_idle(hub, a.server_pid, opts, prefix)}
    profiler = _profiler(a)
    result = await run_rate(hub, a.server_pid, _sweep_options(a), prefix, profiler)
    if profiler:
        result["profile"] = {
            "svg": str(a.profile_out),
            "raw": str(profiler.raw_path()),
            "exit_codes": await profiler.wait(),
        }
    return {"rate": result}


async def amain(a: argparse.Namespace) -> int:
    """Run the chosen mode, print the table, write the JSON."""
    hub = HubClient(a.url, a.http_concurrency)
    meta = {
        "argv": sys.argv,
        "url": a.url,
        "server_pid": a.server_pid,
        "started_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "nofile_limit": raise_nofile_limit(),
        "machine": machine_info(),
        "load_average_at_start": load_average(),
    }
    try:
        if not await hub.healthy():
            print(f"server at {a.url} does not answer /healthz", file=sys.stderr)
            return 2
        result = await _run(a, hub)
    except (SetupError, httpx.HTTPError) as exc:
        print(f"set-up failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 3
    finally:
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
