"""Summarise py-spy collapsed stacks (`py-spy record --format raw [--threads]`).

Usage: python bench/hotspots.py bench/profile.txt [--top 25]
Prints, as shares of all busy samples (pool threads waiting for work left out): samples per
thread (when recorded with --threads), self time per package, self time per function (on top of
the stack) and inclusive time per function (anywhere on it). Frames of greenlet-run SQLAlchemy
code can appear without their callers.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::\d+)?\)$")
_THREAD = re.compile(r"^thread \(\d+\)")
# Leaf frames where a worker thread sleeps until it gets work: py-spy does not always see these
# threads as idle, so their samples are counted apart as "waiting" and left out of the tables.
WAITING = (
    "_worker (concurrent/futures/thread.py:81)",  # ThreadPoolExecutor: work_queue.get()
    "_connection_worker_thread (aiosqlite/core.py:59)",  # aiosqlite: tx.get()
)


def frame_name(frame: str) -> str:
    """`func (pkg/module.py:12)` -> `func (pkg/module.py)`: line numbers dropped."""
    match = _FRAME.match(frame.strip())
    return f"{match['func']} ({match['file']})" if match else frame.strip()


def package(name: str) -> str:
    """The top-level package of a frame name: `sqlalchemy`, `hubbub`, `asyncio`, ..."""
    match = _FRAME.match(name)
    if not match:
        return "?"
    top = match["file"].lstrip("<").split("/")[0]
    return top.removesuffix(".py").removesuffix(">")


@dataclass
class Profile:
    """Sample counts aggregated several ways."""

    total: int = 0
    waiting: int = 0
    threads: Counter[str] = field(default_factory=Counter)
    own: Counter[str] = field(default_factory=Counter)
    packages: Counter[str] = field(default_factory=Counter)
    inclusive: Counter[str] = field(default_factory=Counter)

    def add(self, frames: list[str], count: int) -> None:
        """Account one collapsed stack seen `count` times."""
        if frames and frames[-1].strip() in WAITING:
            self.waiting += count
            return
        self.total += count
        if frames and _THREAD.match(frames[0]):
            self.threads[frames[0]] += count
            frames = frames[1:]
        names = [frame_name(f) for f in frames]
        if names:
            self.own[names[-1]] += count
            self.packages[package(names[-1])] += count
        for name in set(names):
            self.inclusive[name] += count


def load(path: Path) -> Profile:
    """Parse a raw py-spy file."""
    profile = Profile()
    for line in path.read_text().splitlines():
        match = _LINE.match(line)
        if match:
            profile.add([f for f in match["stack"].split(";") if f], int(match["count"]))
    return profile


def table(title: str, counts: Counter[str], total: int, top: int) -> str:
    """The top entries with their share of samples."""
    rows = [f"{title} (of {total} busy samples)"]
    rows += [f"{100 * n / total:6.1f}%  {name}" for name, n in counts.most_common(top)]
    return "\n".join(rows)


def main() -> None:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    p = load(args.raw)
    if not p.total:
        raise SystemExit(f"no samples in {args.raw}")
    print(f"{p.total} busy samples; {p.waiting} more of pool threads waiting for work, left out\n")
    if p.threads:
        print(table("THREADS", p.threads, p.total, 10), end="\n\n")
    print(table("SELF BY PACKAGE", p.packages, p.total, 15), end="\n\n")
    print(table("SELF BY FUNCTION", p.own, p.total, args.top), end="\n\n")
    print(table("INCLUSIVE BY FUNCTION", p.inclusive, p.total, args.top))


if __name__ == "__main__":
    main()
