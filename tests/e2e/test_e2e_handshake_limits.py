"""A WebSocket handshake too large to parse gets an answer at once and a closed socket
(issue 10, item 6): it used to get nothing, on a socket left open for minutes."""

from __future__ import annotations

import socket
import time

import pytest
from e2e_server import ServerProcess

pytestmark = pytest.mark.timeout(60)

UPGRADE = (
    b"Upgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
)


def _exchange(server: ServerProcess, request: bytes) -> tuple[bytes, float]:
    """Send a raw request; read until the server closes. Returns (answer, seconds taken)."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):  # b"" once the server closed the connection
            answer += chunk
    return answer, time.monotonic() - started


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"GET /ws?token=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n" + UPGRADE + b"\r\n", 414),
        (
            b"GET /ws HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n" + UPGRADE + b"\r\n",
            431,
        ),
        (
            b"GET /ws HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-H%d: v\r\n" % n for n in range(200))
            + UPGRADE
            + b"\r\n",
            431,
        ),
    ],
    ids=["request line over 8 KiB", "header over 8 KiB", "too many headers"],
)
def test_oversized_handshake_is_answered_and_closed(
    server: ServerProcess, request_bytes: bytes, status: int
) -> None:
    answer, seconds = _exchange(server, request_bytes)
    assert answer.startswith(b"HTTP/1.1 %d " % status), answer[:200]
    assert seconds < 3, f"the socket stayed open {seconds:.1f}s"


def test_a_normal_handshake_still_works(server: ServerProcess) -> None:
    request = b"GET /ws?token=x HTTP/1.1\r\nHost: x\r\n" + UPGRADE + b"\r\n"
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(request)
        assert sock.recv(4096).startswith(b"HTTP/1.1 101 ")
