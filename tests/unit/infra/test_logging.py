"""Log formats: JSON lines for machines, a readable line at a terminal, chosen by
HUBBUB_LOG_FORMAT (auto = console exactly when stderr is a terminal)."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from hubbub.infra.observability.logging import configure_logging


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level, config = root.handlers[:], root.level, structlog.get_config()
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.configure(**config)
    structlog.contextvars.clear_contextvars()


def log_a_session() -> None:
    """What a server logs while a browser loads the client and calls the API."""
    structlog.contextvars.bind_contextvars(request_id="0123456789abcdef")
    http = structlog.get_logger("hubbub.http")
    http.info("http_request", method="GET", path="/", status=200, duration_ms=1.2)
    http.info("http_request", method="GET", path="/static/js/main.js", status=200, duration_ms=0.4)
    http.info("http_request", method="GET", path="/static/nope.js", status=404, duration_ms=0.3)
    http.info("http_request", method="GET", path="/api/v1/chats", status=200, duration_ms=3.14)
    http.info("http_request", method="POST", path="/api/v1/chats", status=500, duration_ms=9.0)
    logging.getLogger("uvicorn.error").info("Application startup complete.")
    structlog.get_logger("hubbub.bootstrap").info("jwt_secret_generated", path="/tmp/x")


def test_auto_is_json_when_not_a_terminal() -> None:
    stream = io.StringIO()
    assert configure_logging("info", "auto", stream) == "json"
    log_a_session()
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(lines) == 7  # every request, with every field
    assert lines[3] == {
        **lines[3],
        "event": "http_request",
        "path": "/api/v1/chats",
        "status": 200,
        "request_id": "0123456789abcdef",
        "logger": "hubbub.http",
    }


def test_auto_is_readable_on_a_terminal() -> None:
    stream = Terminal()
    assert configure_logging("info", "auto", stream) == "console"
    log_a_session()
    text = stream.getvalue()
    assert not any(line.lstrip().startswith("{") for line in text.splitlines())
    assert "\x1b[" in text  # coloured, as it is a terminal
    plain = _without_colours(text)
    assert "GET /api/v1/chats 200 3.14 ms" in plain
    assert "POST /api/v1/chats 500 9.0 ms" in plain
    assert "GET /static/nope.js 404" in plain  # a failing file is worth a line
    assert "main.js" not in plain and "GET / " not in plain  # the page load is not
    # A request id only where it helps (matching a server error with its traceback).
    assert plain.count("0123456789abcdef") == 1
    assert "Application startup complete." in plain
    assert "jwt_secret_generated" in plain and "path=/tmp/x" in plain
    assert "hubbub.http" not in plain


def test_debug_level_shows_the_page_loads_too() -> None:
    stream = Terminal()
    configure_logging("debug", "console", stream)
    log_a_session()
    assert "GET /static/js/main.js 200 0.4 ms" in _without_colours(stream.getvalue())


def test_the_format_can_be_forced_either_way() -> None:
    terminal = Terminal()
    assert configure_logging("info", "json", terminal) == "json"
    log_a_session()
    assert all(line.startswith("{") for line in terminal.getvalue().splitlines())

    piped = io.StringIO()
    assert configure_logging("info", "console", piped) == "console"
    log_a_session()
    assert "GET /api/v1/chats 200 3.14 ms" in piped.getvalue()
    assert "\x1b[" not in piped.getvalue()  # no colour codes in a file


def _without_colours(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)
