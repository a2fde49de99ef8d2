"""Fixtures of the browser suite: one headless Chromium for the session, fresh browser
contexts for every test, and real `hubbub serve` processes (tests/e2e/e2e_server.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Generator, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

sys.path.insert(0, str(Path(__file__).parent))  # web_ui, web_server, in any import mode
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))  # e2e_server

from e2e_server import ServerProcess, running_server
from web_server import NewPage, SamePortServer, disposable_server
from web_ui import EXPECT_TIMEOUT_MS

CHROMIUM = os.environ.get("HUBBUB_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-extensions",
]
DESKTOP = {"width": 1280, "height": 800}
REPO = Path(__file__).resolve().parents[2]


# Package scope: the one Chromium (and the shared server) of the session live while this
# folder's tests run. Playwright's sync API marks its event loop as running in this thread
# for as long as it is started, which the asyncio tests of the other folders cannot share.
@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """The one Chromium of the suite (Debian's; Playwright downloads nothing)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium (or set HUBBUB_CHROMIUM)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield launched
        launched.close()


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The server most tests share (unique usernames keep them apart)."""
    with running_server(tmp_path_factory.mktemp("web") / "data") as shared:
        yield shared


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[SamePortServer]:
    """A server of the test's own (see `disposable_server`)."""
    with disposable_server(tmp_path / "data") as mine:
        yield mine


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """`new_page(base_url, viewport=...)`: a page in a fresh context (its own storage, as
    another person on another computer). Fails the test on an uncaught script error or a
    Content-Security-Policy violation."""
    contexts: list[BrowserContext] = []
    problems: list[str] = []

    def make(base_url: str, *, viewport: dict[str, int] | None = None, **options: object) -> Page:
        context = browser.new_context(
            base_url=base_url, viewport=viewport or DESKTOP, locale="en-GB", **options
        )
        context.set_default_timeout(EXPECT_TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))

        def on_console(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                problems.append(f"CSP: {message.text}")

        page.on("console", on_console)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """docs/screenshots when HUBBUB_SCREENSHOTS=1 (to refresh the README's pictures),
    else a temporary folder (the screenshots are still taken, so the code path runs)."""
    if os.environ.get("HUBBUB_SCREENSHOTS") == "1":
        target = REPO / "docs" / "screenshots"
        target.mkdir(parents=True, exist_ok=True)
        return target
    return tmp_path_factory.mktemp("screenshots")


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
