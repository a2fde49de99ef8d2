"""One WebSocket connection's outbound side: a bounded queue drained by one writer.

A slow client must never slow the others, so nothing waits on a client's socket but its own
writer. Under pressure droppable frames (typing, presence) go first; if the queue stays full
of frames that matter, the connection is closed and the client resyncs on reconnect.
"""

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any
from uuid import UUID

import structlog

from hubbub.infra.observability.metrics import (
    DELIVERY_SECONDS,
    MESSAGES_DELIVERED,
    WS_FRAMES_DROPPED,
    WS_SLOW_CLOSED,
)

log = structlog.get_logger(__name__)

SendText = Callable[[str], Awaitable[None]]
Close = Callable[[int, str], Coroutine[Any, Any, None]]

CLOSE_TRY_AGAIN_LATER = 1013


class Outbound:
    __slots__ = ("droppable", "stamp", "text")

    def __init__(self, text: str, droppable: bool, stamp: float | None) -> None:
        self.text = text
        self.droppable = droppable
        self.stamp = stamp  # commit time of a new_message, for the delivery histogram


class Connection:
    def __init__(
        self, *, conn_id: str, user_id: UUID, send: SendText, close: Close, max_queue: int
    ) -> None:
        self.id = conn_id
        self.user_id = user_id
        self._send = send
        self._close = close
        self._max = max_queue
        self._queue: deque[Outbound] = deque()
        self._ready = asyncio.Event()
        self._closed = False
        self._writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_loop(), name=f"ws-writer:{self.id}")

    def push(self, text: str, *, droppable: bool = False, stamp: float | None = None) -> None:
        """Queue a frame without waiting; sheds or closes when the client cannot keep up."""
        if self._closed:
            return
        if len(self._queue) >= self._max:
            if droppable:
                WS_FRAMES_DROPPED.inc()
                return
            if not self._evict_droppable():
                WS_SLOW_CLOSED.inc()
                log.warning("ws_slow_consumer_closed", conn=self.id, user_id=str(self.user_id))
                self._closed = True
                asyncio.get_running_loop().create_task(
                    self._close(CLOSE_TRY_AGAIN_LATER, "send queue full")
                )
                return
        self._queue.append(Outbound(text, droppable, stamp))
        self._ready.set()

    async def stop(self) -> None:
        self._closed = True
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer

    def _evict_droppable(self) -> bool:
        for item in self._queue:
            if item.droppable:
                self._queue.remove(item)
                WS_FRAMES_DROPPED.inc()
                return True
        return False

    async def _write_loop(self) -> None:
        queue = self._queue
        while True:
            await self._ready.wait()
            while queue:
                item = queue.popleft()
                try:
                    await self._send(item.text)
                except Exception:
                    self._closed = True  # the reader side notices the disconnect and cleans up
                    return
                if item.stamp is not None:
                    MESSAGES_DELIVERED.inc()
                    DELIVERY_SECONDS.observe(max(0.0, time.time() - item.stamp))
            self._ready.clear()
