"""Rate sweep: the listed rates (with repeats), an optional bisection, the max sustainable rate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .client import Account, HubClient, negotiated_extensions
from .profiler import Profiler
from .rate import ServerGone, StepOptions, combine, run_step
from .recorder import Recorder
from .rooms import Rooms, build_rooms
from .scrape import Scraper
from .watch import Watched


@dataclass
class SweepOptions:
    """What the rate run does."""

    rooms: int
    rates: list[float]
    repeat: int
    search: bool
    search_resolution: float
    search_max_steps: int
    stop_after_failures: int
    compression: str | None
    step: StepOptions


class Sweep:
    """Runs steps against one set of rooms and keeps the rows."""

    def __init__(
        self,
        rooms: Rooms,
        rec: Recorder,
        opts: SweepOptions,
        watched: Watched,
        profiler: Profiler | None,
        scraper: Scraper | None = None,
    ) -> None:
        self.rooms, self.rec, self.opts = rooms, rec, opts
        self.watched, self.profiler, self.scraper = watched, profiler, scraper
        self.rows: list[dict[str, Any]] = []
        self.step = 0

    async def measure(self, rate: float, searched: bool = False) -> dict[str, Any]:
        """Run one rate `repeat` times and keep the combined row."""
        runs = []
        for _ in range(self.opts.repeat):
            self.step += 1
            runs.append(
                await run_step(
                    self.rooms,
                    self.rec,
                    rate,
                    self.step,
                    self.opts.step,
                    self.watched,
                    self.profiler,
                    self.scraper,
                )
            )
            print(_progress(runs[-1]), flush=True)
        row = combine(runs, rate, self.opts.step.p99_limit_ms)
        row["searched"] = searched
        self.rows.append(row)
        return row

    async def listed(self) -> list[float]:
        """Run the listed rates in increasing order; return those skipped after failures."""
        failures = 0
        rates = sorted(self.opts.rates)
        for i, rate in enumerate(rates):
            row = await self.measure(rate)
            failures = 0 if row["sustainable"] else failures + 1
            if failures >= self.opts.stop_after_failures:
                return rates[i + 1 :]
        return []

    def bounds(self) -> tuple[float, float | None]:
        """Highest passing rate and lowest failing rate above it."""
        passing = [r["rate"] for r in self.rows if r["sustainable"]]
        low = max(passing, default=0.0)
        failing = [r["rate"] for r in self.rows if not r["sustainable"] and r["rate"] > low]
        return low, min(failing, default=None)

    async def bisect(self) -> None:
        """Bisect between the highest passing and the lowest failing rate."""
        for _ in range(self.opts.search_max_steps):
            low, high = self.bounds()
            if high is None or high - low <= self.opts.search_resolution:
                return
            step = self.opts.search_resolution
            mid = round((low + high) / 2 / step) * step
            if mid <= low or mid >= high:
                return
            await self.measure(mid, searched=True)


def _progress(run: dict[str, Any]) -> str:
    lat = run["latency_ms"]
    ok = "ok" if run["sustainable"] else "FAIL: " + "; ".join(run["failed_because"])
    if run["generator_saturated"]:
        ok += " (generator saturated)"
    hop = run.get("redis_hop_ms")
    split = (
        f"local p50 {run['latency_local_ms']['p50']} remote p50 "
        f"{run['latency_remote_ms']['p50']} (hop {hop['p50']}) "
        if hop
        else ""
    )
    cpu = " ".join(f"{k} {v}%" for k, v in run.get("process_cpu_pct", {}).items())
    waited = run.get("gateway_waited_for_cpu_pct") or {}
    if waited:
        cpu += " (waited for a CPU: " + " ".join(f"{k} {v}%" for k, v in waited.items()) + ")"
    batches = " ".join(
        f"gw{i} {g['commits_per_s']} tx/s x {g['mean_batch']}"
        for i, g in enumerate(run.get("gateway_metrics", []))
        if g["commits_per_s"] is not None
    )
    return (
        f"  rate {run['rate']:>7.0f}: sent {run['sent_per_s']:>8.1f}/s "
        f"delivered {run['delivered_per_s']:>9.1f}/s p50 {lat['p50']} p95 {lat['p95']} "
        f"p99 {lat['p99']} ms {split}| cpu: {cpu or run['server_cpu_pct']} | {batches} | {ok}"
    )


async def probe(sweep: Sweep) -> dict[str, Any]:
    """One message per room with contract checks on, before measuring anything."""
    sweep.rec.validate = True
    rate = float(len(sweep.rooms.rooms))
    step_opts = sweep.opts.step
    quick = StepOptions(
        1.0, 0.0, step_opts.drain_s, 0.5, step_opts.p99_limit_ms, step_opts.room_size
    )
    row = await run_step(sweep.rooms, sweep.rec, rate, 0, quick, sweep.watched, None)
    sweep.rec.validate = False
    return row


async def run_rate(
    hubs: list[HubClient],
    accounts: list[Account],
    watched: Watched,
    opts: SweepOptions,
    profiler: Profiler | None,
) -> dict[str, Any]:
    """Build the rooms (REST set-up on the first server, connections spread over all), probe,
    sweep the rates, optionally bisect; report everything."""
    rec = Recorder()
    size = opts.step.room_size
    ws_urls = [hub.base_url for hub in hubs]
    rooms = await build_rooms(hubs[0], ws_urls, accounts, size, opts.compression, rec)
    sweep = Sweep(rooms, rec, opts, watched, profiler, Scraper(hubs))
    result: dict[str, Any] = {
        "rooms": opts.rooms,
        "room_size": size,
        "connections": opts.rooms * size,
        "gateways": len(ws_urls),
        "connections_per_gateway": {str(k): v for k, v in rooms.connections_per_gateway().items()},
        "ws_extensions": negotiated_extensions(rooms.rooms[0].sender_ws),
    }
    try:
        result["probe"] = await probe(sweep)
        if result["probe"]["delivered"] == 0:
            result["aborted"] = "the probe message reached no receiver"
            return result
        result["skipped_rates"] = await sweep.listed()
        if opts.search:
            await sweep.bisect()
    except ServerGone as exc:
        result["aborted"] = str(exc)
    finally:
        result["rows"] = sorted(sweep.rows, key=lambda r: r["rate"])
        result["violations"] = dict(rec.violations)
        result["examples"] = {k: rec.examples[k] for k in list(rec.examples)[:20]}
        await rooms.close()
    low, high = sweep.bounds()
    result["max_sustainable_rate"] = low or None
    result["lowest_failing_rate"] = high
    return result
