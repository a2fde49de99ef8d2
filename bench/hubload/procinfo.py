"""Read facts about the machine and the server process from /proc."""

from __future__ import annotations

import os
import platform
import resource
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def raise_nofile_limit() -> int:
    """Raise RLIMIT_NOFILE to the hard limit and return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def children(pid: int) -> list[int]:
    """Direct children of a process (from /proc/<pid>/task/*/children)."""
    kids: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return kids


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants."""
    todo, seen = [pid], []
    while todo:
        current = todo.pop()
        seen.append(current)
        todo += children(current)
    return seen


def rss_kb(pid: int) -> int | None:
    """VmRSS of one process in kB, or None if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def tree_rss_kb(pid: int) -> int | None:
    """Summed VmRSS of a process and its descendants, in kB."""
    values = [rss_kb(p) for p in process_tree(pid)]
    known = [v for v in values if v is not None]
    return sum(known) if known else None


def own_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time used so far by one process (all its threads), None if gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def reaped_children_cpu_seconds(pid: int) -> float | None:
    """CPU time of the process's children that have exited and been waited for (cutime +
    cstime): where the CPU of a PostgreSQL backend that lived and died between two readings
    ends up (in its postmaster)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[13]) + int(fields[14])) / CLOCK_TICKS


def run_delay_seconds(pid: int) -> float | None:
    """Time the process's main thread spent runnable but waiting for a CPU (schedstat)."""
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time used so far by a process and its descendants."""
    known = [t for t in map(own_cpu_seconds, process_tree(pid)) if t is not None]
    return sum(known) if known else None


def cmdline(pid: int) -> str:
    """A process's command line (its ps title), '' if it is gone."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """User + system CPU time per thread id of one process."""
    result: dict[int, float] = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[int(task.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return result


def thread_split_pct(
    pid: int, before: dict[int, float], after: dict[int, float], seconds: float
) -> dict[str, float | int]:
    """CPU % of the main (event loop) thread and of all other threads over an interval."""
    deltas = {tid: t - before.get(tid, 0.0) for tid, t in after.items()}
    main = deltas.pop(pid, 0.0)
    busy = [d for d in deltas.values() if d > 0]
    return {
        "main_thread": round(100 * main / seconds, 1),
        "other_threads": round(100 * sum(busy) / seconds, 1),
        "busy_other_threads": len(busy),
    }


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (everything but idle and iowait)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


def load_average() -> float:
    """The one-minute load average."""
    return float(Path("/proc/loadavg").read_text().split()[0])


def is_alive(pid: int) -> bool:
    """Whether the process still exists (and is not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _mem_total_kb() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


def machine_info() -> dict[str, object]:
    """nproc, CPU model, memory, kernel and Python version of this machine."""
    return {
        "nproc": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "mem_total_gib": round(_mem_total_kb() / 1024 / 1024, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "affinity": sorted(os.sched_getaffinity(0)),
    }
