"""uvicorn's sans-I/O `websockets` protocol, answering handshakes it cannot parse.

websockets refuses a request line over 8 KiB with 414 and a header line over 8 KiB (or too
many headers) with 431, and puts that answer in its output buffer, but produces no event, so
uvicorn's protocol (which writes only in answer to events) neither sends it nor closes the
socket: the client waited for minutes on an open socket. This subclass sends whatever
websockets answered and closes the connection as soon as the handshake has failed.
"""

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class WebSocketProtocol(WebSocketsSansIOProtocol):
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
