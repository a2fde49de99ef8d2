"""No secret reaches a log line, whoever logs it (our code, uvicorn, a traceback)."""

import io
import logging
import sys
from collections.abc import Iterator

import pytest
import structlog

from hubbub.infra.observability.logging import configure_logging
from hubbub.infra.observability.redact import MASK, redact_text

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJzdWIiOiIwMTkzIiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVz"
)


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        (f"/ws?token={JWT}&chat_id=1", JWT),
        ("/ws?token=opaque-value&chat_id=1", "opaque-value"),
        ("/ws?chat_id=1&access_token=abc.def", "abc.def"),
        (f"Authorization: Bearer {JWT}", JWT),
        ("Authorization: Bearer not-a-jwt-but-secret", "not-a-jwt-but-secret"),
        ("postgresql+asyncpg://hubbub:s3cr3t@db:5432/hubbub", "s3cr3t"),
        ('{"username": "a", "password=hunter22"}', "hunter22"),
        (f"a token {JWT} in a sentence", JWT),
    ],
)
def test_credentials_in_text_are_masked(text: str, secret: str) -> None:
    masked = redact_text(text)
    assert secret not in masked
    assert MASK in masked


def test_ordinary_text_is_left_alone() -> None:
    text = "GET /api/v1/chats/0193/messages?after_seq=5&limit=50 chat:0193 key=chat"
    assert redact_text(text) == text


@pytest.fixture
def json_logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What the logging set-up of a server writes (to a buffer instead of stderr)."""
    lines = io.StringIO()
    monkeypatch.setattr(sys, "stderr", lines)
    configure_logging("debug", "json")
    yield lines
    structlog.reset_defaults()
    logging.getLogger().handlers.clear()


def test_uvicorn_websocket_line_is_masked(json_logs: io.StringIO) -> None:
    """uvicorn's websockets implementation logs the request line with its query string."""
    logging.getLogger("uvicorn.error").info(
        '%s - "WebSocket %s" [accepted]', "127.0.0.1:5000", f"/ws?token={JWT}"
    )
    err = json_logs.getvalue()
    assert "WebSocket /ws?token=" in err
    assert JWT not in err


def test_secret_fields_and_tracebacks_are_masked(json_logs: io.StringIO) -> None:
    log = structlog.get_logger("test")
    log.warning("login_debug", password="hunter22", authorization=f"Bearer {JWT}", user="ann")
    try:
        raise ValueError(f"cannot open redis://:hunter23@cache:6379/0 with {JWT}")
    except ValueError:
        log.exception("failed")
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
    err = json_logs.getvalue()
    for secret in ("hunter22", "hunter23", JWT):
        assert secret not in err
    assert '"user": "ann"' in err
    assert err.count("ValueError") >= 2  # the tracebacks are still there, masked
