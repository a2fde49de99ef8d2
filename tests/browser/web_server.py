"""Servers of the browser suite: `hubbub serve` processes (tests/e2e/e2e_server.py) that
come back on the same port after a restart, and the type of the `new_page` fixture."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from e2e_server import ServerProcess, hubbub_env
from playwright.sync_api import Page

NewPage = Callable[..., Page]


class SamePortServer(ServerProcess):
    """A server that comes back on the port it first got when restarted on its data dir,
    as a real deployment does: the page keeps its origin and only has to reconnect."""

    def start(self) -> None:
        if not self.port:
            super().start()
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = hubbub_env(self.data_dir, rate_limit=self.rate_limit, extra=self.extra_env)
        argv = [sys.executable, "-m", "hubbub", "serve", self.role, "--host", "127.0.0.1"]
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [*argv, "--port", str(self.port)],
                env=env,
                cwd=self.data_dir.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        ServerProcess.live.append(self)
        self._wait_ready()


@contextmanager
def disposable_server(
    data_dir: Path, *, env: dict[str, str] | None = None
) -> Iterator[SamePortServer]:
    """A server of one test, on its own data dir, that may be stopped and started again on
    the same port. Killed at the end: nobody needs its data, and a graceful stop waits for
    the assistant's model if it is still loading."""
    mine = SamePortServer(data_dir, env=env)
    try:
        mine.start()
        yield mine
    finally:
        if mine in ServerProcess.live:
            mine.kill()
