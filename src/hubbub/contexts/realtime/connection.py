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
WriteFrame = Callable[[bytes], bool]
Close = Callable[[int, str], Coroutine[Any, Any, None]]

CLOSE_TRY_AGAIN_LATER = 1013
CLOSE_SESSION_ENDED = 4401

# The ASGI scope extension through which the server (entry/ws_protocol.py) offers to write an
# already-serialized WebSocket frame: {"write": WriteFrame}. It returns False when it cannot
# write at once (not open, output paused, an extension such as deflate negotiated), and the
# frame then goes through the ordinary ASGI `send`.
PREBUILT_FRAMES_EXTENSION = "hubbub.prebuilt_frames"


def text_frame(payload: bytes) -> bytes:
    """`payload` (UTF-8 JSON) as a whole server-to-client text frame: FIN, opcode 1, no mask."""
    size = len(payload)
    if size < 126:
        head = bytes((0x81, size))
    elif size < 65536:
        head = b"\x81\x7e" + size.to_bytes(2, "big")
    else:
        head = b"\x81\x7f" + size.to_bytes(8, "big")
    return head + payload


class OutFrame:
    """One outgoing frame, shared by every connection it goes to: its text, and its wire form
    (the serialized WebSocket frame) built once, on first use, whatever the number of
    sockets it is written to."""

    __slots__ = ("_text", "_wire")

    def __init__(self, text: str) -> None:
        self._text = text
        self._wire: bytes | None = None

    @classmethod
    def of_json(cls, payload: bytes) -> "OutFrame":
        frame = cls("")
        frame._text = payload.decode()
        frame._wire = text_frame(payload)
        return frame

    @property
    def text(self) -> str:
        return self._text

    @property
    def wire(self) -> bytes:
        wire = self._wire
        if wire is None:
            wire = self._wire = text_frame(self._text.encode())
        return wire


class Outbound:
    __slots__ = ("droppable", "frame", "stamp")

    def __init__(self, frame: OutFrame, droppable: bool, stamp: float | None) -> None:
        self.frame = frame
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
        "_write_now",
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
        write_now: WriteFrame | None = None,
    ) -> None:
        self.id = conn_id
        self.user_id = user_id
        self.session_id = session_id  # the login it was opened with (ended → closed)
        self._send = send
        self._write_now = write_now  # the server's prebuilt-frame writer, if it offers one
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

    def push(
        self, frame: OutFrame | str, *, droppable: bool = False, stamp: float | None = None
    ) -> None:
        """Send a frame without waiting: at once when nothing is queued and the socket takes
        it (no task, no queue), else queued for the writer; sheds or closes when the client
        cannot keep up."""
        if self._closed:
            return
        if isinstance(frame, str):
            frame = OutFrame(frame)
        queue = self._queue
        if (
            self._writer is None
            and not queue
            and not self._paused
            and self._write_now is not None
            and self._write_now(frame.wire)
        ):
            if stamp is not None:
                _delivered(stamp)
            return
        if queue is None:
            queue = self._queue = deque()
        if len(queue) >= self._max:
            if droppable:
                WS_FRAMES_DROPPED.inc()
                return
            if not self._evict_droppable(queue):
                self._give_up()
                return
        queue.append(Outbound(frame, droppable, stamp))
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
            write_now = self._write_now
            while queue:
                item = queue.popleft()
                if write_now is None or not write_now(item.frame.wire):
                    await self._send(item.frame.text)
                if item.stamp is not None:
                    _delivered(item.stamp)
        except Exception:
            self._closed = True  # the reader side notices the disconnect and cleans up
        finally:
            self._writer = None
            self._queue = None  # an idle connection keeps no buffer


def _delivered(stamp: float) -> None:
    MESSAGES_DELIVERED.inc()
    DELIVERY_SECONDS.observe(max(0.0, time.time() - stamp))
