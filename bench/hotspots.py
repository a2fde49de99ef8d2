"""Summarise py-spy collapsed stacks (`py-spy record --format raw`): where the server spends time.

Usage: python bench/hotspots.py bench/profile.txt [--top 25]
Prints the functions with the most samples on top of the stack (self) and anywhere on it
(inclusive), as a share of all samples.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

_LINE = re.compile(r"^(?P<stack>.*) (?P<count>\d+)$")
_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^:()]*)(?::\d+)?\)$")


def frame_name(frame: str) -> str:
    """`func (path/to/file.py:12)` -> `func (parent/file.py)`, line numbers dropped."""
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    parts = match["file"].split("/")
    return f"{match['func']} ({'/'.join(parts[-2:])})"


def load(path: Path) -> tuple[Counter[str], Counter[str], int]:
    """Self and inclusive sample counts per function, and the total."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        match = _LINE.match(line)
        if not match:
            continue
        count = int(match["count"])
        frames = [frame_name(f) for f in match["stack"].split(";") if f]
        total += count
        if frames:
            own[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    return own, inclusive, total


def table(title: str, counts: Counter[str], total: int, top: int) -> str:
    """The top entries with their share of samples."""
    rows = [f"{title} (of {total} samples)"]
    rows += [f"{100 * n / total:6.1f}%  {name}" for name, n in counts.most_common(top)]
    return "\n".join(rows)


def main() -> None:
    """Print the self and inclusive tables."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    own, inclusive, total = load(args.raw)
    if not total:
        raise SystemExit(f"no samples in {args.raw}")
    print(table("SELF", own, total, args.top))
    print()
    print(table("INCLUSIVE", inclusive, total, args.top))


if __name__ == "__main__":
    main()
