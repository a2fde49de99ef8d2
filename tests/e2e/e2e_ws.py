"""A WebSocket client for the end-to-end tests: JSON frames, buffered, always with timeouts."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from ssl import SSLContext
from typing import Any
from urllib.parse import urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

Json = dict[str, Any]
FRAME_WAIT = 5.0


def _matches(frame: Json, frame_type: str, fields: Json) -> bool:
    return frame.get("type") == frame_type and all(frame.get(k) == v for k, v in fields.items())


class WsClient:
    """One connection; frames read while waiting for another type are kept for later `recv`s."""

    def __init__(self, conn: ClientConnection) -> None:
        self.conn = conn
        self.pending: list[Json] = []

    async def send(self, frame: Json) -> None:
        """Send one JSON text frame."""
        await self.conn.send(json.dumps(frame))

    async def send_raw(self, data: str) -> None:
        """Send a text frame as is (for malformed input)."""
        await self.conn.send(data)

    async def recv(self, frame_type: str, /, wait: float = FRAME_WAIT, **fields: Any) -> Json:
        """The next frame of a type whose top-level fields equal `fields`; others are buffered."""
        for index, frame in enumerate(self.pending):
            if _matches(frame, frame_type, fields):
                return self.pending.pop(index)
        try:
            async with asyncio.timeout(wait):
                while True:
                    frame = await self._next()
                    if _matches(frame, frame_type, fields):
                        return frame
                    self.pending.append(frame)
        except TimeoutError:
            seen = [frame.get("type") for frame in self.pending]
            raise AssertionError(
                f"no {frame_type!r} frame matching {fields} within {wait}s; buffered: {seen}"
            ) from None

    async def expect_nothing(self, frame_type: str, /, within: float = 0.5, **fields: Any) -> None:
        """Assert that no matching frame is buffered or arrives within `within` seconds."""
        for frame in self.pending:
            assert not _matches(frame, frame_type, fields), f"unexpected frame {frame}"
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(within):
                while True:
                    frame = await self._next()
                    assert not _matches(frame, frame_type, fields), f"unexpected frame {frame}"
                    self.pending.append(frame)

    def take_all(self, frame_type: str) -> list[Json]:
        """Remove and return every buffered frame of a type, in arrival order."""
        taken = [frame for frame in self.pending if frame.get("type") == frame_type]
        self.pending = [frame for frame in self.pending if frame.get("type") != frame_type]
        return taken

    async def roundtrip(self) -> None:
        """Ping the server and wait for its pong: proves the connection is open and in order."""
        await self.send({"type": "ping"})
        await self.recv("pong")

    async def wait_closed(self, wait: float = FRAME_WAIT) -> int | None:
        """Read until the server closes the connection; return the close code it sent."""
        try:
            async with asyncio.timeout(wait):
                while True:
                    self.pending.append(await self._next())
        except ConnectionClosed as exc:
            return exc.rcvd.code if exc.rcvd is not None else None
        except TimeoutError:
            raise AssertionError(f"connection still open after {wait}s") from None

    async def close(self) -> None:
        """Close the connection from the client side."""
        await self.conn.close()

    async def _next(self) -> Json:
        raw = await self.conn.recv()
        frame = json.loads(raw)
        assert isinstance(frame, dict), f"server sent a non-object frame: {raw!r}"
        return frame


def ws_endpoint(ws_url: str, token: str | None = None, chat_id: str | None = None) -> str:
    """The /ws URL with its optional query parameters."""
    params = {key: value for key, value in (("token", token), ("chat_id", chat_id)) if value}
    return f"{ws_url}/ws?{urlencode(params)}" if params else f"{ws_url}/ws"


@asynccontextmanager
async def open_ws(
    ws_url: str,
    token: str | None = None,
    *,
    chat_id: str | None = None,
    headers: dict[str, str] | None = None,
    compression: str | None = "deflate",
    ssl: SSLContext | None = None,
) -> AsyncIterator[WsClient]:
    """Connect to /ws for the duration of the block."""
    async with connect(
        ws_endpoint(ws_url, token, chat_id),
        additional_headers=headers,
        compression=compression,
        ssl=ssl,
        max_size=None,
        open_timeout=10,
        close_timeout=2,
    ) as conn:
        yield WsClient(conn)


WsConnect = Callable[..., Awaitable[WsClient]]
