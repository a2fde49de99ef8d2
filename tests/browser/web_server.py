"""Servers of the browser suite: `hubbub serve` processes (tests/e2e/e2e_server.py) that
come back on the same port after a restart, and the type of the `new_page` fixture."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from e2e_server import ServerProcess
from playwright.sync_api import Page

NewPage = Callable[..., Page]


class SamePortServer(ServerProcess):
    """A server that comes back on the port it first got when restarted on its data dir."""

    def __init__(self, data_dir: Path, *, env: dict[str, str] | None = None) -> None:
        super().__init__(data_dir, env=env, keep_port=True)


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
