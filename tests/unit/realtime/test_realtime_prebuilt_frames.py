"""The server side of prebuilt frames: hubbub's uvicorn WebSocket protocol offers the
`hubbub.prebuilt_frames` scope extension, writes a serialized frame straight to its transport
while the socket is open and writable, and refuses (so the frame takes the ASGI `send`) when
output is paused or the socket is closing."""

import asyncio
import contextlib
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from hubbub.contexts.realtime.connection import PREBUILT_FRAMES_EXTENSION, text_frame
from hubbub.entry.ws_protocol import WebSocketProtocol

HANDSHAKE = (
    b"GET /ws HTTP/1.1\r\nHost: test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class RecordingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[bytes] = []
        self.closing = False

    def write(self, data: Any) -> None:
        self.chunks.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


async def test_the_protocol_offers_and_honours_prebuilt_frames() -> None:
    offered: list[Any] = []
    accepted = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        offered.append(scope["extensions"].get(PREBUILT_FRAMES_EXTENSION))
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        accepted.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()

    config = Config(app=app, ws=WebSocketProtocol, log_level="warning", lifespan="off")
    config.load()
    state = ServerState()
    protocol = WebSocketProtocol(config=config, server_state=state, app_state={})
    transport = RecordingTransport()
    protocol.connection_made(transport)
    protocol.data_received(HANDSHAKE)
    await asyncio.wait_for(accepted.wait(), 5)
    [offer] = offered
    write = offer["write"]
    transport.chunks.clear()  # the handshake's answer
    wire = text_frame(b'{"type":"pong"}')

    assert write(wire) is True
    assert transport.chunks == [wire]
    protocol.pause_writing()
    assert write(wire) is False  # paused: the ASGI send waits for the buffer instead
    protocol.resume_writing()
    transport.closing = True
    assert write(wire) is False
    assert transport.chunks == [wire]
    for task in state.tasks:
        task.cancel()
