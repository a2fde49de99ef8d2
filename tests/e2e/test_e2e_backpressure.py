"""Connections that misbehave at the TCP level: a dead peer is dropped by the heartbeat, and a
client that stops reading never slows the others; it is cut off and recovers with `sync`."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from e2e_api import Json, group_chat, http_client, new_users
from e2e_server import ServerProcess, running_server
from e2e_ws import open_ws

HEARTBEAT = {"HUBBUB_WS_HEARTBEAT_SECONDS": "0.5", "HUBBUB_WS_IDLE_TIMEOUT_SECONDS": "1"}
SMALL_QUEUE = {"HUBBUB_WS_SEND_QUEUE": "16", "HUBBUB_WS_RATE_LIMIT_PER_MINUTE": "1000000"}
FLOOD = 1500
BIG_TEXT = "x" * 4000


@pytest.fixture
def tuned_server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(tmp_path / "data", env=request.param) as server:
        yield server


@asynccontextmanager
async def silent_socket(
    server: ServerProcess, token: str, *, receive_buffer: int | None = None
) -> AsyncIterator[asyncio.StreamReader]:
    """A WebSocket that completes the handshake, then never reads and never answers a ping."""
    sock = socket.socket()
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.setblocking(False)
    await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", server.port))
    reader, writer = await asyncio.open_connection(sock=sock)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET /ws?token={quote(token)} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
    assert status.startswith(b"HTTP/1.1 101"), status
    try:
        yield reader
    finally:
        writer.close()


async def metric(http: httpx.AsyncClient, name: str) -> float:
    text = (await http.get("/metrics")).text
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + " ")
    )


@pytest.mark.timeout(60)
@pytest.mark.parametrize("tuned_server", [HEARTBEAT], indirect=True)
async def test_a_peer_that_stops_answering_pings_is_dropped(tuned_server: ServerProcess) -> None:
    async with http_client(tuned_server.base_url) as http:
        (_, alice_token), (bob, bob_token) = await new_users(http, 2)
        await group_chat(http, alice_token, [bob["id"]])
        async with (
            open_ws(tuned_server.ws_url, alice_token) as watcher,
            silent_socket(tuned_server, bob_token),
        ):
            await watcher.recv("presence", event="user_online", user_id=bob["id"])
            # Nobody closed anything: only the unanswered heartbeat can end Bob's session.
            offline = await watcher.recv(
                "presence", event="user_offline", user_id=bob["id"], wait=10
            )
            assert offline["user_id"] == bob["id"]
            assert await metric(http, "hubbub_ws_connections") == 1  # Alice only


@pytest.mark.timeout(120)
@pytest.mark.parametrize("tuned_server", [SMALL_QUEUE], indirect=True)
async def test_a_client_that_stops_reading_never_slows_the_others(
    tuned_server: ServerProcess,
) -> None:
    async with http_client(tuned_server.base_url) as http:
        (_, alice_token), (bob, bob_token), (carol, carol_token) = await new_users(http, 3)
        room: Json = await group_chat(http, alice_token, [bob["id"], carol["id"]])
        async with (
            open_ws(tuned_server.ws_url, alice_token) as sender,
            open_ws(tuned_server.ws_url, bob_token) as reader,
            silent_socket(tuned_server, carol_token, receive_buffer=4096),
        ):
            for n in range(FLOOD):
                await sender.send(
                    {
                        "type": "message",
                        "chat_id": room["id"],
                        "text": f"{n} {BIG_TEXT}",
                        "request_id": f"flood-{n}",
                    }
                )
            seqs = []
            for _ in range(FLOOD):
                frame = await reader.recv("new_message", wait=30)
                seqs.append(frame["message"]["seq"])
            assert seqs == list(range(1, FLOOD + 1)), "the reader got every message, in order"
            assert await metric(http, "hubbub_ws_slow_consumers_closed_total") >= 1

        # Carol was cut off, not forgotten: a new connection gets everything back with sync.
        async with open_ws(tuned_server.ws_url, carol_token) as carol_again:
            await carol_again.send({"type": "sync", "chats": {room["id"]: FLOOD - 10}})
            replayed = [await carol_again.recv("new_message") for _ in range(10)]
            assert [f["message"]["seq"] for f in replayed] == list(range(FLOOD - 9, FLOOD + 1))
