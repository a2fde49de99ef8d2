"""The processes a run watches (gateways, relay, Redis, PostgreSQL) and the CPU each one uses.

On a two-core machine the gateways compete with everything else the run needs, so each step
records who used the CPU: every gateway, every `--watch` process, PostgreSQL split into the
backends serving this run's database and the server's own processes (WAL writer, checkpointer,
autovacuum, ...), the generator itself, and *other*: the rest of the machine (other people's
work, kernel threads). CPU is read per pid from /proc, so processes that start during a step
(a new pooled connection's backend) are counted and none is counted twice.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

from .procinfo import (
    children,
    cmdline,
    cpu_seconds,
    is_alive,
    machine_busy_seconds,
    own_cpu_seconds,
    process_tree,
    reaped_children_cpu_seconds,
    run_delay_seconds,
    tree_rss_kb,
)

# The ps title of a PostgreSQL client backend: "postgres: 15/main: <user> <db> <host>(<port>) ..."
_BACKEND = re.compile(r"^postgres: [^:]+: \S+ (?P<db>\S+) (?:\S+\(\d+\)|\[local\])")

Snapshot = dict[str, dict[int, float]]  # label -> pid -> CPU seconds so far


@dataclass
class Watched:
    """The gateways under test and the processes that serve them."""

    gateways: list[int] = field(default_factory=list)
    extra: dict[str, int] = field(default_factory=dict)  # label -> pid (with descendants)
    postgres_pid: int | None = None  # the postmaster
    postgres_db: str | None = None  # this run's database, to tell its backends apart

    @property
    def first_gateway(self) -> int | None:
        """The first gateway's pid (profiled; its thread split is reported)."""
        return self.gateways[0] if self.gateways else None

    def groups(self) -> dict[str, list[int]]:
        """The pids of every watched group, as they are now."""
        groups = {f"gateway{i}": process_tree(pid) for i, pid in enumerate(self.gateways)}
        groups.update({label: process_tree(pid) for label, pid in self.extra.items()})
        if self.postgres_pid:
            groups.update(self._postgres_groups(self.postgres_pid))
        return groups

    def _postgres_groups(self, postmaster: int) -> dict[str, list[int]]:
        """This run's backends, and the server's own processes (shared by every database)."""
        ours, server = [], [postmaster]
        for pid in children(postmaster):
            match = _BACKEND.match(cmdline(pid))
            if match is None:
                server.append(pid)  # background process: shared by every database
            elif match["db"] == self.postgres_db:
                ours.append(pid)
            # backends of other databases are someone else's: left to "other"
        return {"postgres": ours, "postgres-server": server}

    def snapshot(self) -> Snapshot:
        """CPU seconds so far of every pid of every group."""
        result: Snapshot = {}
        for label, pids in self.groups().items():
            cpu = {pid: own_cpu_seconds(pid) for pid in pids}
            result[label] = {pid: t for pid, t in cpu.items() if t is not None}
        if self.postgres_pid:
            # Backends that exited during the window (connection churn, of any database):
            # their CPU is no longer under their pid but added to the postmaster's children.
            reaped = reaped_children_cpu_seconds(self.postgres_pid)
            result["postgres-exited"] = {} if reaped is None else {self.postgres_pid: reaped}
        return result

    def gateway_run_delay(self) -> dict[str, float]:
        """Seconds each gateway's main thread (its event loop) waited for a CPU so far."""
        delays = {f"gateway{i}": run_delay_seconds(pid) for i, pid in enumerate(self.gateways)}
        return {label: d for label, d in delays.items() if d is not None}

    def gateway_cpu_seconds(self) -> float:
        """CPU seconds so far of all gateways together."""
        return sum(cpu_seconds(pid) or 0.0 for pid in self.gateways)

    def rss_kb(self) -> int | None:
        """Summed RSS of the gateways (and their children), kB."""
        values = [tree_rss_kb(pid) for pid in self.gateways]
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    def dead_gateways(self) -> list[int]:
        """Gateways that are no longer running."""
        return [pid for pid in self.gateways if not is_alive(pid)]


def group_cpu_pct(before: Snapshot, after: Snapshot, seconds: float) -> dict[str, float]:
    """CPU % (100 = one core) of every group between two snapshots."""
    result = {}
    for label, pids in after.items():
        earlier = before.get(label, {})
        used = sum(max(0.0, t - earlier.get(pid, 0.0)) for pid, t in pids.items())
        result[label] = round(100 * used / seconds, 1)
    return result


@dataclass
class CpuWindow:
    """CPU use of every watched group, the generator and the rest of the machine."""

    watched: Watched
    seconds: float = 0.0
    _before: Snapshot = field(default_factory=dict)
    _machine: float = 0.0
    _generator: float = 0.0
    _started: float = 0.0
    _delay: dict[str, float] = field(default_factory=dict)
    waited_pct: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        """Take the first reading."""
        self._delay = self.watched.gateway_run_delay()
        self._before = self.watched.snapshot()
        self._machine = machine_busy_seconds()
        self._generator = time.process_time()
        self._started = time.monotonic()

    def stop(self, seconds: float | None = None) -> dict[str, float]:
        """CPU % per group since start(), plus `generator` and `other` (what is left)."""
        after = self.watched.snapshot()
        elapsed = seconds if seconds is not None else time.monotonic() - self._started
        result = group_cpu_pct(self._before, after, elapsed)
        result["generator"] = round(100 * (time.process_time() - self._generator) / elapsed, 1)
        machine = 100 * (machine_busy_seconds() - self._machine) / elapsed
        result["other"] = round(max(0.0, machine - sum(result.values())), 1)
        # How long each gateway's event loop was ready to run but had no CPU: on a shared
        # core this is latency that no profile of the gateway shows.
        self.waited_pct = {
            label: round(100 * (t - self._delay[label]) / elapsed, 1)
            for label, t in self.watched.gateway_run_delay().items()
            if label in self._delay
        }
        return result
