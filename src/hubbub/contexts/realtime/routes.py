"""The WebSocket endpoint `/ws`, mounted as a thin ASGI layer in front of the app.

A connection lives for hours, and everything on its coroutine stack lives with it. Routing
`/ws` through FastAPI would keep the application, router, dependency and exception-handling
frames alive for every socket; answering it in front of the app keeps an idle connection
small (see bench/RESULTS.md).
"""

from collections.abc import Awaitable, Callable

from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket

WS_PATH = "/ws"


class WebSocketEndpoint:
    """Sends `websocket` scopes for `path` to `serve`; everything else to `app`."""

    def __init__(
        self, app: ASGIApp, *, serve: Callable[[WebSocket], Awaitable[None]], path: str = WS_PATH
    ) -> None:
        self.app = app
        self.serve = serve
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == self.path:
            await self.serve(WebSocket(scope, receive, send))
            return
        await self.app(scope, receive, send)
