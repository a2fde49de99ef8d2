"""uvicorn's sans-I/O `websockets` protocol, answering handshakes it cannot parse.

websockets refuses a request line over 8 KiB with 414 and a header line over 8 KiB (or too
many headers) with 431, and puts that answer in its output buffer, but produces no event, so
uvicorn's protocol (which writes only in answer to events) neither sends it nor closes the
socket: the client waited for minutes on an open socket. This subclass sends whatever
websockets answered and closes the connection as soon as the handshake has failed.
"""

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.protocol import State

from hubbub.contexts.realtime.connection import PREBUILT_FRAMES_EXTENSION


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """Also offers the app the `hubbub.prebuilt_frames` scope extension: writing a frame that
    was serialized once for every socket it goes to, straight to the transport (the ASGI
    `send` would re-encode the text and re-serialize the frame per socket)."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][PREBUILT_FRAMES_EXTENSION] = {"write": self.write_prebuilt}

    def write_prebuilt(self, wire: bytes) -> bool:
        """Write a whole serialized server frame now; False (nothing written) unless the
        connection is open, its output is not paused and no extension (deflate) must
        transform frames."""
        if (
            self.close_sent
            or self.conn.state is not State.OPEN
            or self.conn.extensions
            or not self.writable.is_set()
            or self.transport.is_closing()
        ):
            return False
        self.transport.write(wire)
        return True

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if (
            not self.handshake_initiated
            and self.conn.handshake_exc is not None
            and not self.transport.is_closing()
        ):
            self.logger.info(
                "websocket handshake refused: %s", type(self.conn.handshake_exc).__name__
            )
            self.transport.write(b"".join(self.conn.data_to_send()))
            self.transport.close()
