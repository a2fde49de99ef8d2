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
CLOSE_SESSION_ENDED = 4401


class Outbound:
    __slots__ = ("droppable", "stamp", "text")

    def __init__(self, text: str, droppable: bool, stamp: float | None) -> None:
        self.text = text
        self.droppable = droppable
        self.stamp = stamp  # commit time of a new_message, for the delivery histogram


class Connection:
    """The outbound side of one socket. An idle connection holds no task and no queue:
    a writer task exists only while there is something to send (10,000 idle sockets must
    stay small)."""

    __slots__ = (
        "_close",
        "_closed",
        "_max",
        "_paused",
        "_queue",
        "_send",
        "_writer",
        "id",
        "session_id",
        "user_id",
    )

    def __init__(
        self,
        *,
        conn_id: str,
        user_id: UUID,
        send: SendText,
        close: Close,
        max_queue: int,
        session_id: UUID | None = None,
    ) -> None:
        self.id = conn_id
        self.user_id = user_id
        self.session_id = session_id  # the login it was opened with (ended → closed)
        self._send = send
        self._close = close
        self._max = max_queue
        self._queue: deque[Outbound] | None = None
        self._closed = False
        self._writer: asyncio.Task[None] | None = None
        # Frames are queued but not sent until `start()`: a connection is attached to its
        # channels before the handshake completes, so nothing after the handshake is missed.
        self._paused = True

    def start(self) -> None:
        """The socket is open: send what was queued and everything after."""
        self._paused = False
        if self._queue and self._writer is None:
            self._writer = asyncio.get_running_loop().create_task(self._drain(self._queue))

    def push(self, text: str, *, droppable: bool = False, stamp: float | None = None) -> None:
        """Queue a frame without waiting; sheds or closes when the client cannot keep up."""
        if self._closed:
            return
        queue = self._queue
        if queue is None:
            queue = self._queue = deque()
        if len(queue) >= self._max:
            if droppable:
                WS_FRAMES_DROPPED.inc()
                return
            if not self._evict_droppable(queue):
                self._give_up()
                return
        queue.append(Outbound(text, droppable, stamp))
        if self._writer is None and not self._paused:
            self._writer = asyncio.get_running_loop().create_task(self._drain(queue))

    def end_session(self) -> None:
        """The login this socket was opened with ended: close with 4401, drop what is queued."""
        if self._closed:
            return
        self._closed = True
        if self._queue is not None:
            self._queue.clear()  # the writer, if any, stops: nothing more for this login
        asyncio.get_running_loop().create_task(self._close(CLOSE_SESSION_ENDED, "session ended"))

    async def stop(self) -> None:
        self._closed = True
        writer = self._writer
        if writer is not None:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer

    def _give_up(self) -> None:
        WS_SLOW_CLOSED.inc()
        log.warning("ws_slow_consumer_closed", conn=self.id, user_id=str(self.user_id))
        self._closed = True
        asyncio.get_running_loop().create_task(
            self._close(CLOSE_TRY_AGAIN_LATER, "send queue full")
        )

    @staticmethod
    def _evict_droppable(queue: deque[Outbound]) -> bool:
        for item in queue:
            if item.droppable:
                queue.remove(item)
                WS_FRAMES_DROPPED.inc()
                return True
        return False

    async def _drain(self, queue: deque[Outbound]) -> None:
        try:
            while queue:
                item = queue.popleft()
                await self._send(item.text)
                if item.stamp is not None:
                    MESSAGES_DELIVERED.inc()
                    DELIVERY_SECONDS.observe(max(0.0, time.time() - item.stamp))
        except Exception:
            self._closed = True  # the reader side notices the disconnect and cleans up
        finally:
            self._writer = None
            self._queue = None  # an idle connection keeps no buffer
