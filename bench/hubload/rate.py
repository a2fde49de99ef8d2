"""Rate mode: fixed total send rates into rooms, delivery latency from the scheduled send time."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from dataclasses import dataclass
from typing import Any

import orjson
from websockets.exceptions import ConnectionClosed

from .procinfo import load_average, thread_cpu_seconds, thread_split_pct
from .profiler import Profiler
from .recorder import Recorder, Window, encode_text, now_ns
from .rooms import Room, Rooms
from .scrape import Scraper, step_figures
from .stats import latency_summary_ms
from .watch import CpuWindow, Watched

NS = 1_000_000_000
GENERATOR_SATURATED_PCT = 90.0  # above this the generator, not the server, may set the latency


@dataclass
class StepOptions:
    """Timing and pass criteria of one measured step."""

    duration_s: float
    warmup_s: float
    drain_s: float
    pause_s: float
    p99_limit_ms: float
    room_size: int
    quiet_wait_s: float = 0.0
    settle_max_s: float = 0.0


class ServerGone(RuntimeError):
    """The server process died during the run."""


async def sleep_until(t_ns: int) -> None:
    """Sleep until an epoch-ns instant of now_ns(); always yields to the loop once."""
    await asyncio.sleep(max(0, t_ns - now_ns()) / NS)


async def send_loop(
    room: Room, rec: Recorder, start_ns: int, interval_ns: float, end_ns: int
) -> None:
    """Send on a fixed schedule; when late, send at once (latency counts from the schedule)."""
    step, index, ws = rec.window.step, 0, room.sender_ws
    while (scheduled := start_ns + round(index * interval_ns)) < end_ns:
        await sleep_until(scheduled)
        request_id = str(uuid.uuid4())
        text = encode_text(step, scheduled, index)
        frame = {"type": "message", "chat_id": room.chat_id, "text": text, "request_id": request_id}
        rec.on_sent(request_id, scheduled, now_ns())
        try:
            await ws.send(orjson.dumps(frame), text=True)
        except ConnectionClosed:
            rec.c.errors["send on a closed connection"] += 1
            return
        index += 1


DRAIN_CAP_S = 120.0


async def drain(rec: Recorder, expected: int, quiet_s: float) -> None:
    """Wait for the step's outstanding acks and deliveries while they keep coming.

    Stops when everything arrived, or when nothing arrived for `quiet_s` seconds (what is still
    missing then is lost, not late), or after DRAIN_CAP_S seconds.
    """
    cap = time.monotonic() + DRAIN_CAP_S
    c = rec.c
    # Polling on purpose: the counters move on every frame, an Event per frame would cost more.
    while (  # noqa: ASYNC110
        time.monotonic() < cap
        and now_ns() - rec.last_frame_ns < quiet_s * NS
        and (
            c.delivered_of_window_msgs < expected
            or c.acked_of_window_msgs < c.sent_scheduled_in_window
        )
    ):
        await asyncio.sleep(0.05)


async def other_cpu_now(watched: Watched, seconds: float = 1.0) -> float:
    """CPU % used by other processes over the next `seconds` (the watched ones and the
    generator excluded)."""
    window = CpuWindow(watched)
    window.start()
    await asyncio.sleep(seconds)
    return window.stop()["other"]


async def wait_server_idle(watched: Watched, max_s: float, threshold_pct: float = 25.0) -> None:
    """Wait (at most max_s) until the gateways' CPU falls below threshold: backlog worked off."""
    deadline = time.monotonic() + max_s
    while watched.gateways and time.monotonic() < deadline:
        before = watched.gateway_cpu_seconds()
        await asyncio.sleep(1)
        used = round(100 * (watched.gateway_cpu_seconds() - before), 1)
        if used < threshold_pct:
            return
        print(f"  server still busy ({used}% CPU) with the previous step, waiting ...", flush=True)


async def wait_quiet(watched: Watched, max_s: float, threshold_pct: float = 10.0) -> float | None:
    """Wait (at most max_s) until other processes use < threshold; return the last reading."""
    deadline = time.monotonic() + max_s
    other = None
    while max_s > 0 and time.monotonic() < deadline:
        other = await other_cpu_now(watched)
        if other < threshold_pct:
            break
        print(f"  machine busy ({other}% CPU used by other processes), waiting ...", flush=True)
        await asyncio.sleep(2)
    return other


def verdict(row: dict[str, Any], rate: float, p99_limit_ms: float) -> list[str]:
    """Reasons a step is not sustainable (empty when it is)."""
    reasons = []
    p99 = row["latency_ms"]["p99"]
    if p99 is None or p99 >= p99_limit_ms:
        reasons.append(f"p99 {p99} ms >= {p99_limit_ms}")
    if row["lost"] > 0:
        reasons.append(f"{row['lost']} deliveries missing")
    if row["unacked"] > 0:
        reasons.append(f"{row['unacked']} messages not acked")
    if row["error_count"] > 0:
        reasons.append(f"{row['error_count']} errors")
    if row["sent_per_s"] < 0.95 * rate:
        reasons.append("sent rate below 95% of target")
    return reasons


async def run_step(
    rooms: Rooms,
    rec: Recorder,
    rate: float,
    step: int,
    opts: StepOptions,
    watched: Watched,
    profiler: Profiler | None,
    scraper: Scraper | None = None,
) -> dict[str, Any]:
    """Send at `rate` msg/s in total for warm-up + duration; measure the window after warm-up."""
    await wait_server_idle(watched, opts.settle_max_s)
    await wait_quiet(watched, opts.quiet_wait_s)
    start = now_ns() + NS // 10
    w_start = start + round(opts.warmup_s * NS)
    w_end = w_start + round(opts.duration_s * NS)
    rec.reset(Window(step=step, start=w_start, end=w_end))
    count = len(rooms.rooms)
    interval = count * NS / rate
    senders = [
        asyncio.create_task(send_loop(room, rec, start + round(i * NS / rate), interval, w_end))
        for i, room in enumerate(rooms.rooms)
    ]
    await sleep_until(w_start)
    first = watched.first_gateway
    cpu = CpuWindow(watched)
    cpu.start()
    threads0 = thread_cpu_seconds(first) if first else {}
    metrics0 = await scraper.sample() if scraper else []
    profiled = bool(profiler and profiler.wants(rate))
    if profiler and profiled:
        await profiler.start()
    await sleep_until(w_end)
    used = cpu.stop(opts.duration_s)
    threads1 = thread_cpu_seconds(first) if first else {}
    metrics1 = await scraper.sample() if scraper else []
    rss = watched.rss_kb()
    await asyncio.gather(*senders)
    expected = rec.c.sent_scheduled_in_window * (opts.room_size - 1)
    await drain(rec, expected, opts.drain_s)
    if dead := watched.dead_gateways():
        raise ServerGone(f"server pid(s) {dead} exited during the {rate} msg/s step")
    row = summarize(rec, rate, step, expected, opts)
    gateways = [v for k, v in used.items() if k.startswith("gateway")]
    row["server_cpu_pct"] = round(sum(gateways), 1) if gateways else None
    if first:
        row["server_threads_cpu_pct"] = thread_split_pct(first, threads0, threads1, opts.duration_s)
    row["process_cpu_pct"] = used
    row["gateway_waited_for_cpu_pct"] = cpu.waited_pct
    if scraper:
        row["gateway_metrics"] = step_figures(metrics0, metrics1, opts.duration_s)
    row["generator_cpu_pct"] = used["generator"]
    row["other_cpu_pct"] = used["other"]
    row["load_average"] = load_average()
    row["server_rss_kb"] = rss
    row["profiled"] = profiled
    row["generator_saturated"] = row["generator_cpu_pct"] >= GENERATOR_SATURATED_PCT
    row["failed_because"] = verdict(row, rate, opts.p99_limit_ms)
    row["sustainable"] = not row["failed_because"]
    await asyncio.sleep(opts.pause_s)
    return row


def timeline(latencies: list[int], at: list[int], start: int) -> list[dict[str, Any]]:
    """Per second of scheduled send time: deliveries, p50, p99 and max latency (ms)."""
    buckets: dict[int, list[int]] = {}
    for latency, t in zip(latencies, at, strict=True):
        buckets.setdefault((t - start) // NS, []).append(latency)
    return [
        {"second": second, **latency_summary_ms(values)}
        for second, values in sorted(buckets.items())
    ]


def summarize(
    rec: Recorder, rate: float, step: int, expected: int, opts: StepOptions
) -> dict[str, Any]:
    """The figures of one step."""
    c, d = rec.c, opts.duration_s
    return {
        "rate": rate,
        "step": step,
        "duration_s": d,
        "sent_per_s": round(c.sent_in_window / d, 1),
        "acked_per_s": round(c.acked_in_window / d, 1),
        "delivered_per_s": round(c.delivered_in_window / d, 1),
        "messages_in_window": c.sent_scheduled_in_window,
        "expected_deliveries": expected,
        "delivered": c.delivered_of_window_msgs,
        "lost": expected - c.delivered_of_window_msgs,
        "unacked": c.sent_scheduled_in_window - c.acked_of_window_msgs,
        "latency_ms": latency_summary_ms(c.latencies),
        **split_by_path(c.local_latencies, c.remote_latencies),
        "latency_timeline": timeline(c.latencies, c.latency_at, rec.window.start),
        "ack_latency_ms": latency_summary_ms(c.ack_latencies),
        "send_lag_ms": latency_summary_ms(c.send_lags),
        "error_count": sum(c.errors.values()),
        "errors": dict(c.errors),
        "other_frames": dict(c.other_frames),
        "stale_frames": c.stale,
    }


def split_by_path(local: list[int], remote: list[int]) -> dict[str, Any]:
    """Latency of deliveries on the sender's gateway and on the others (via Redis), and the
    difference of their percentiles: what the Redis hop adds. Empty with one gateway."""
    if not remote:
        return {}
    on_sender_gateway, via_redis = latency_summary_ms(local), latency_summary_ms(remote)
    return {
        "latency_local_ms": on_sender_gateway,
        "latency_remote_ms": via_redis,
        "redis_hop_ms": _hop(on_sender_gateway, via_redis),
    }


def _hop(local: dict[str, Any], remote: dict[str, Any]) -> dict[str, float | None]:
    return {
        q: None if local[q] is None or remote[q] is None else round(remote[q] - local[q], 2)
        for q in ("p50", "p95", "p99")
    }


MEDIAN_KEYS = (
    "other_cpu_pct",
    "sent_per_s",
    "acked_per_s",
    "delivered_per_s",
    "server_cpu_pct",
    "generator_cpu_pct",
)
LATENCY_KEYS = ("latency_ms", "ack_latency_ms", "send_lag_ms")
SPLIT_KEYS = ("latency_local_ms", "latency_remote_ms")


def _median(values: list[Any]) -> float | None:
    known = [v for v in values if v is not None]
    return round(statistics.median(known), 2) if known else None


def combine(runs: list[dict[str, Any]], rate: float, p99_limit_ms: float) -> dict[str, Any]:
    """One row per rate: medians over repeated runs, sums of losses and errors."""
    row: dict[str, Any] = {"rate": rate, "repeats": len(runs)}
    for key in MEDIAN_KEYS:
        row[key] = _median([r[key] for r in runs])
    for key in LATENCY_KEYS:
        row[key] = {
            q: _median([r[key][q] for r in runs]) for q in ("p50", "p95", "p99", "p999", "max")
        }
    if all(key in r for r in runs for key in SPLIT_KEYS):
        for key in SPLIT_KEYS:
            row[key] = {q: _median([r[key][q] for r in runs]) for q in ("p50", "p95", "p99")}
        # The median of each run's difference, not the difference of the medians.
        row["redis_hop_ms"] = {
            q: _median([r["redis_hop_ms"][q] for r in runs]) for q in ("p50", "p95", "p99")
        }
    scraped = [r["gateway_metrics"] for r in runs if "gateway_metrics" in r]
    if scraped:
        row["gateway_metrics"] = [
            {k: _median([s[i][k] for s in scraped]) for k in gateway}
            for i, gateway in enumerate(scraped[0])
        ]
    waits = [r["gateway_waited_for_cpu_pct"] for r in runs if r.get("gateway_waited_for_cpu_pct")]
    if waits:
        row["gateway_waited_for_cpu_pct"] = {
            k: _median([w.get(k) for w in waits]) for k in waits[0]
        }
    procs = [r["process_cpu_pct"] for r in runs if "process_cpu_pct" in r]
    if procs:
        row["process_cpu_pct"] = {k: _median([p.get(k) for p in procs]) for k in procs[0]}
    for key in ("lost", "unacked", "error_count", "expected_deliveries", "delivered"):
        row[key] = sum(r[key] for r in runs)
    row["server_rss_kb"] = max((r["server_rss_kb"] or 0) for r in runs) or None
    row["generator_saturated"] = any(r["generator_saturated"] for r in runs)
    row["p99_of_each_run"] = [r["latency_ms"]["p99"] for r in runs]
    splits = [r["server_threads_cpu_pct"] for r in runs if "server_threads_cpu_pct" in r]
    if splits:
        row["server_threads_cpu_pct"] = {k: _median([s[k] for s in splits]) for k in splits[0]}
    row["failed_because"] = verdict(row, rate, p99_limit_ms)
    row["sustainable"] = not row["failed_because"]
    row["runs"] = runs
    return row
