"""Render a results directory of bench/run.sh as Markdown (for RESULTS.md).

Usage: python bench/summarize.py bench/results/<run>
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _load(path: Path) -> dict[str, Any] | None:
    return json.loads(path.read_text()) if path.exists() else None


def machine(meta: dict[str, Any]) -> str:
    """One line about the machine."""
    m = meta["machine"]
    return (
        f"{m['nproc']} cores ({m['cpu_model']}), {m['mem_total_gib']} GiB RAM, "
        f"Linux {m['kernel']}, Python {m['python']}"
    )


def idle_md(idle: dict[str, Any]) -> str:
    """The idle figures as a Markdown table."""
    rss = idle["rss_kb"]
    rows = [
        ("connections opened / requested", f"{idle['opened']} / {idle['requested']}"),
        ("users × connections each", f"{idle['users']} × {idle['conns_per_user']}"),
        ("failed to open", idle["failed"]),
        (f"still open after {idle['hold_s']:.0f} s hold", idle["still_open_after_hold"]),
        ("`hubbub_ws_connections` gauge", idle["metrics_ws_connections"]),
        ("server RSS before connecting", f"{rss['before_connect'] / 1024:.1f} MiB"),
        ("server RSS with all connected", f"{rss['all_connected'] / 1024:.1f} MiB"),
        ("server RSS after the hold", f"{rss['after_hold'] / 1024:.1f} MiB"),
        ("**RSS per connection (delta)**", f"**{idle['rss_delta_per_conn_kb']} kB**"),
        ("RSS per connection (total / N)", f"{idle['rss_total_per_conn_kb']} kB"),
        ("register + login", f"{idle['register_login_s']} s ({idle['register_login_per_s']}/s)"),
        ("connect", f"{idle['connect_s']} s ({idle['connects_per_s']}/s)"),
    ]
    lines = ["| figure | value |", "| --- | --- |"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def _v(value: Any) -> str:
    return "–" if value is None else str(value)


def rate_md(rate: dict[str, Any]) -> str:
    """The rate rows as a Markdown table."""
    lines = [
        "| rate msg/s | runs | sent/s | acked/s | delivered/s | p50 ms | p95 ms | p99 ms (range) "
        "| ack p99 ms | lost | errors | server CPU | loop thread | other CPU | verdict |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | --- |",
    ]
    for r in rate.get("rows", []):
        lat = r["latency_ms"]
        loop = r.get("server_threads_cpu_pct", {}).get("main_thread")
        verdict = "ok" if r["sustainable"] else "; ".join(r["failed_because"])
        mark = " (bisection)" if r.get("searched") else ""
        runs = r.get("p99_of_each_run") or [run["latency_ms"]["p99"] for run in r["runs"]]
        spread = f" ({min(runs)}–{max(runs)})" if len(runs) > 1 and None not in runs else ""
        lines.append(
            f"| {r['rate']:.0f}{mark} | {r['repeats']} | {_v(r['sent_per_s'])} "
            f"| {_v(r['acked_per_s'])} | {_v(r['delivered_per_s'])} | {_v(lat['p50'])} "
            f"| {_v(lat['p95'])} | {_v(lat['p99'])}{spread} | {_v(r['ack_latency_ms']['p99'])} "
            f"| {r['lost']} | {r['error_count']} | {_v(r['server_cpu_pct'])}% | {_v(loop)}% "
            f"| {_v(r.get('other_cpu_pct'))}% | {verdict} |"
        )
    lines.append("")
    lines.append(
        f"Max sustainable rate (p99 < 100 ms, nothing lost, no errors): "
        f"**{_v(rate.get('max_sustainable_rate'))} msg/s**; lowest failing rate: "
        f"{_v(rate.get('lowest_failing_rate'))} msg/s."
    )
    if rate.get("violations"):
        lines.append(f"\nContract violations: `{rate['violations']}`")
    return "\n".join(lines)


def split_md(rate: dict[str, Any]) -> str:
    """Local vs remote delivery latency (several gateways only) as a Markdown table."""
    rows = [r for r in rate.get("rows", []) if "redis_hop_ms" in r]
    if not rows:
        return ""
    lines = [
        "| rate msg/s | local p50 / p95 / p99 ms | remote p50 / p95 / p99 ms "
        "| hop p50 / p95 / p99 ms |",
        "| ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        cells = [
            " / ".join(_v(r[key][q]) for q in ("p50", "p95", "p99"))
            for key in ("latency_local_ms", "latency_remote_ms", "redis_hop_ms")
        ]
        lines.append(f"| {r['rate']:.0f} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def cpu_md(rate: dict[str, Any]) -> str:
    """CPU of every watched process per rate (medians), with the gateways' write batches."""
    rows = [r for r in rate.get("rows", []) if r.get("process_cpu_pct")]
    if not rows:
        return ""
    labels = list(dict.fromkeys(k for r in rows for k in r["process_cpu_pct"]))
    lines = [
        "| rate msg/s | "
        + " | ".join(labels)
        + " | gateways waited for a CPU | transactions/s × messages each |",
        "| ---: | " + " | ".join("---:" for _ in labels) + " | ---: | --- |",
    ]
    for r in rows:
        cpu = r["process_cpu_pct"]
        batches = ", ".join(
            f"gw{i}: {_v(g['commits_per_s'])} × {_v(g['mean_batch'])}"
            for i, g in enumerate(r.get("gateway_metrics", []))
            if g["commits_per_s"] is not None
        )
        waited = " + ".join(f"{v}%" for v in (r.get("gateway_waited_for_cpu_pct") or {}).values())
        lines.append(
            f"| {r['rate']:.0f} | "
            + " | ".join(f"{_v(cpu.get(label))}%" for label in labels)
            + f" | {waited or '–'} | {batches} |"
        )
    return "\n".join(lines)


def main() -> None:
    """Print the Markdown sections that exist in the directory."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    args = parser.parse_args()
    d = args.directory
    idle, rate = _load(d / "idle.json"), _load(d / "rate.json")
    meta = (idle or rate or {}).get("meta")
    if meta:
        print(f"Machine: {machine(meta)}\n")
    if (d / "machine.txt").exists():
        print("```\n" + (d / "machine.txt").read_text().strip() + "\n```\n")
    if idle:
        print("### Idle connections\n\n" + idle_md(idle["idle"]) + "\n")
    if rate:
        print("### Send rates into rooms of 10\n\n" + rate_md(rate["rate"]) + "\n")
        if split := split_md(rate["rate"]):
            print("### Local vs remote deliveries\n\n" + split + "\n")
        if cpu := cpu_md(rate["rate"]):
            print("### CPU per process (% of one core) and write batches\n\n" + cpu + "\n")
    if (d / "hotspots.txt").exists():
        print("### py-spy hot spots\n\n```\n" + (d / "hotspots.txt").read_text() + "```")


if __name__ == "__main__":
    main()
