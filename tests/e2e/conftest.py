"""Fixtures of the black-box suite: real `hubbub serve` processes, HTTP and WebSocket clients."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Generator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the e2e_* helper modules, in any import mode

from e2e_api import http_client
from e2e_server import ServerProcess, running_server
from e2e_ws import WsClient, WsConnect, open_ws


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The server most tests share (unique usernames keep them apart)."""
    with running_server(tmp_path_factory.mktemp("shared") / "data") as shared:
        yield shared


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server of the test's own, on its own data dir (it may kill and restart it)."""
    with running_server(tmp_path / "data") as mine:
        yield mine


@pytest.fixture
async def http(server: ServerProcess) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the shared server."""
    async with http_client(server.base_url) as client:
        yield client


@pytest.fixture
async def ws_connect(server: ServerProcess) -> AsyncIterator[WsConnect]:
    """Open WebSocket connections to the shared server; all are closed after the test."""
    async with AsyncExitStack() as stack:

        async def connect(token: str | None, **options: Any) -> WsClient:
            return await stack.enter_async_context(open_ws(server.ws_url, token, **options))

        yield connect


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the tail of every running server's log to a failing test's report."""
    report = yield
    if report.failed:
        for running in ServerProcess.live:
            report.sections.append((f"hubbub log {running.base_url}", running.log_tail()))
    return report
