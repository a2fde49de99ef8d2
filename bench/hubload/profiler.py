"""Run py-spy against the server during one measured step."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path


@dataclass
class ProfileOptions:
    """Where and when to profile the server."""

    py_spy: str
    out_svg: Path
    rate: float
    seconds: int


class Profiler:
    """py-spy record, twice in parallel: a flame graph (svg) and collapsed stacks (raw)."""

    def __init__(self, opts: ProfileOptions, pid: int) -> None:
        self.opts = opts
        self.pid = pid
        self.procs: list[asyncio.subprocess.Process] = []
        self.done = False

    def raw_path(self) -> Path:
        """The collapsed-stacks file written next to the svg."""
        return self.opts.out_svg.with_suffix(".txt")

    def wants(self, rate: float) -> bool:
        """Whether a step at this rate should be profiled (the first at or above the target)."""
        return not self.done and rate >= self.opts.rate

    async def start(self) -> None:
        """Start the two recorders (non-blocking sampling: the server is never paused)."""
        self.done = True
        log = self.opts.out_svg.with_suffix(".log").open("w")
        for fmt, out in (("flamegraph", self.opts.out_svg), ("raw", self.raw_path())):
            threads = ["--threads"] if fmt == "raw" else []
            cmd = [
                self.opts.py_spy,
                "record",
                "--nonblocking",
                "--pid",
                str(self.pid),
                "--duration",
                str(self.opts.seconds),
                "--format",
                fmt,
                "-o",
                str(out),
                *threads,
            ]
            self.procs.append(await asyncio.create_subprocess_exec(*cmd, stdout=log, stderr=log))

    async def wait(self) -> list[int | None]:
        """Wait for the recorders to finish; return their exit codes."""
        codes: list[int | None] = []
        for proc in self.procs:
            try:
                codes.append(await asyncio.wait_for(proc.wait(), timeout=self.opts.seconds + 30))
            except TimeoutError:
                proc.kill()
                codes.append(None)
        return codes
