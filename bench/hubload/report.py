"""Human-readable tables of the results."""

from __future__ import annotations

from typing import Any


def _fmt(value: Any, width: int) -> str:
    text = "-" if value is None else f"{value:.1f}" if isinstance(value, float) else str(value)
    return text.rjust(width)


def idle_table(idle: dict[str, Any]) -> str:
    """The idle run as aligned 'name: value' lines."""
    rss = idle["rss_kb"]
    lines = [
        "IDLE CONNECTIONS",
        f"  connections opened / requested : {idle['opened']} / {idle['requested']}"
        f" ({idle['users']} users x {idle['conns_per_user']})",
        f"  failed to open                 : {idle['failed']} {idle['failures'] or ''}",
        f"  still open after {idle['hold_s']:>4.0f} s hold   : {idle['still_open_after_hold']}",
        f"  server gauge ws_connections    : {idle['metrics_ws_connections']}",
        f"  register+login                 : {idle['register_login_s']} s"
        f" ({idle['register_login_per_s']} users/s)",
        f"  connect                        : {idle['connect_s']} s"
        f" ({idle['connects_per_s']} conn/s)",
        f"  ws extensions negotiated       : {idle['ws_extensions'] or 'none'}",
        f"  server RSS start / before / connected / held / closed (kB): {rss['server_start']} /"
        f" {rss['before_connect']} / {rss['all_connected']} / {rss['after_hold']} /"
        f" {rss['after_close']}",
        f"  RSS per connection, delta      : {idle['rss_delta_per_conn_kb']} kB",
        f"  RSS per connection, total      : {idle['rss_total_per_conn_kb']} kB",
        f"  frames received while idle     : {idle['frames_received']}",
    ]
    return "\n".join(lines)


NOISY_PCT = 15.0

HEADER = (
    f"{'rate':>7} {'sent/s':>8} {'acked/s':>8} {'deliv/s':>9} {'p50':>7} {'p95':>7} "
    f"{'p99':>7} {'ack p99':>7} {'lost':>6} {'errors':>6} {'srv cpu':>7} {'loop':>6} "
    f"{'gen cpu':>7}  verdict"
)


def _row(row: dict[str, Any]) -> str:
    lat = row["latency_ms"]
    verdict = "ok" if row["sustainable"] else "FAIL " + "; ".join(row["failed_because"])
    if (row.get("other_cpu_pct") or 0) >= NOISY_PCT:
        verdict += f" (NOISY: other processes used {row['other_cpu_pct']}% CPU)"
    if row.get("generator_saturated"):
        verdict += " (GENERATOR SATURATED: not a server figure)"
    mark = "*" if row.get("searched") else " "
    return (
        f"{row['rate']:>6.0f}{mark} {_fmt(row['sent_per_s'], 8)} {_fmt(row['acked_per_s'], 8)}"
        f" {_fmt(row['delivered_per_s'], 9)} {_fmt(lat['p50'], 7)} {_fmt(lat['p95'], 7)}"
        f" {_fmt(lat['p99'], 7)} {_fmt(row['ack_latency_ms']['p99'], 7)} {_fmt(row['lost'], 6)}"
        f" {_fmt(row['error_count'], 6)} {_fmt(row['server_cpu_pct'], 6)}%"
        f" {_fmt(row.get('server_threads_cpu_pct', {}).get('main_thread'), 5)}%"
        f" {_fmt(row['generator_cpu_pct'], 6)}%  {verdict}"
    )


def split_table(rows: list[dict[str, Any]]) -> list[str]:
    """Latency of local deliveries (receiver on the sender's gateway) and remote ones (via
    Redis pub/sub to another gateway); empty with one gateway."""
    if not any("redis_hop_ms" in r for r in rows):
        return []
    lines = [
        "LOCAL vs REMOTE DELIVERIES (ms; hop = remote - local, median of the runs' differences)",
        f"{'rate':>7} {'loc p50':>8} {'loc p95':>8} {'loc p99':>8} {'rem p50':>8} {'rem p95':>8}"
        f" {'rem p99':>8} {'hop p50':>8} {'hop p95':>8} {'hop p99':>8}",
    ]
    for row in rows:
        if "redis_hop_ms" not in row:
            continue
        lo, rem, hop = row["latency_local_ms"], row["latency_remote_ms"], row["redis_hop_ms"]
        cells = [lo[q] for q in ("p50", "p95", "p99")] + [rem[q] for q in ("p50", "p95", "p99")]
        cells += [hop[q] for q in ("p50", "p95", "p99")]
        lines.append(f"{row['rate']:>7.0f} " + " ".join(_fmt(c, 8) for c in cells))
    return lines


def cpu_table(rows: list[dict[str, Any]]) -> list[str]:
    """CPU % (100 = one core) of every watched process per rate."""
    labels = list(dict.fromkeys(k for r in rows for k in r.get("process_cpu_pct", {})))
    if not labels:
        return []
    lines = [
        "CPU PER PROCESS (% of one core, during the measured window)",
        f"{'rate':>7} " + " ".join(f"{label:>15}" for label in labels),
    ]
    for row in rows:
        cpu = row.get("process_cpu_pct", {})
        line = f"{row['rate']:>7.0f} " + " ".join(_fmt(cpu.get(label), 15) for label in labels)
        if waited := row.get("gateway_waited_for_cpu_pct"):
            line += "   waited for a CPU: " + ", ".join(f"{k} {v}%" for k, v in waited.items())
        lines.append(line)
    return lines


def gateway_table(rows: list[dict[str, Any]]) -> list[str]:
    """Per gateway, from its /metrics: group-commit transactions/s and messages per transaction."""
    scraped = [g for r in rows for g in r.get("gateway_metrics", [])]
    if not any(g["commits_per_s"] is not None for g in scraped):
        return []  # no hubbub /metrics (the mock server)
    lines = ["GATEWAY WRITE PATH (from /metrics): transactions/s x mean messages per transaction"]
    for row in rows:
        cells = [
            f"gw{i}: {g['commits_per_s']}/s x {g['mean_batch']}"
            + (f" ({g['publish_errors']} publish errors)" if g["publish_errors"] else "")
            for i, g in enumerate(row.get("gateway_metrics", []))
        ]
        lines.append(f"{row['rate']:>7.0f}  " + "   ".join(cells))
    return lines


def rate_table(rate: dict[str, Any]) -> str:
    """The rate sweep as a table plus the max sustainable rate."""
    rows = rate.get("rows", [])
    gateways = rate.get("gateways", 1)
    lines = [
        f"RATE SWEEP: {rate['rooms']} rooms x {rate['room_size']} members"
        f" ({rate['connections']} connections over {gateways} gateway(s):"
        f" {rate.get('connections_per_gateway')}), latency in ms from the scheduled send time",
        HEADER,
        *(_row(row) for row in rows),
    ]
    if any(row.get("searched") for row in rate.get("rows", [])):
        lines.append("  (* = found by bisection)")
    if rate.get("skipped_rates"):
        lines.append(f"  skipped after repeated failures: {rate['skipped_rates']}")
    if rate.get("aborted"):
        lines.append(f"  ABORTED: {rate['aborted']}")
    lines.append(
        f"max sustainable rate (p99 < limit, nothing lost, no errors): "
        f"{rate.get('max_sustainable_rate')} msg/s; lowest failing: "
        f"{rate.get('lowest_failing_rate')}"
    )
    if rate.get("violations"):
        lines.append(f"CONTRACT VIOLATIONS: {rate['violations']}")
    lines += split_table(rows)
    lines += cpu_table(rows)
    lines += gateway_table(rows)
    return "\n".join(lines)
