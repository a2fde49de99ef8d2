"""A fake client socket for Connection and Hub tests."""

import asyncio
from uuid import UUID

import orjson

from hubbub.contexts.realtime.connection import Connection


class FakeSocket:
    """Records what the connection's writer sent and how it was closed."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.closed: list[tuple[int, str]] = []
        self.broken = False

    async def send(self, text: str) -> None:
        if self.broken:
            raise ConnectionResetError("client went away")
        self.sent.append(text)

    async def close(self, code: int, reason: str) -> None:
        self.closed.append((code, reason))

    def frames(self) -> list[dict[str, object]]:
        return [orjson.loads(text) for text in self.sent]


def connection(
    user_id: UUID, *, conn_id: str = "conn", max_queue: int = 64, session_id: UUID | None = None
) -> tuple[Connection, FakeSocket]:
    socket = FakeSocket()
    conn = Connection(
        conn_id=conn_id,
        user_id=user_id,
        send=socket.send,
        close=socket.close,
        max_queue=max_queue,
        session_id=session_id,
    )
    return conn, socket


async def settle() -> None:
    """Let writer tasks and spawned (un)subscribes run."""
    for _ in range(5):
        await asyncio.sleep(0)
