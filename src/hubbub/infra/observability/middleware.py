"""Pure ASGI middleware: request ids + logs + duration metrics, a request body limit, and the
last resort for unexpected errors."""

import re
import time
import uuid
from typing import Any

import orjson
import structlog
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hubbub.infra.observability.metrics import HTTP_DURATION

log = structlog.get_logger("hubbub.http")

_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestContextMiddleware:
    """Binds a request id (from `X-Request-ID` or new) for logs and echoes it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        # Echoed back and logged: only a short, plain id is taken from the client.
        request_id = given if given and _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(request_id=request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            route = _route_template(scope)
            HTTP_DURATION.labels(scope["method"], route, str(status)).observe(elapsed)
            if route not in ("/metrics", "/healthz"):
                log.info(
                    "http_request",
                    method=scope["method"],
                    path=scope["path"],
                    status=status,
                    duration_ms=round(elapsed * 1000, 2),
                )


class BodyLimitMiddleware:
    """Answers 413 to bodies over `max_bytes`: at once when Content-Length says so, else as
    soon as the body read so far (chunked, say) passes the limit.

    The second case raises an HTTPException from `receive`, inside FastAPI's body parsing,
    which lets HTTPExceptions through (anything else there becomes a 400) to the app's
    handler, which answers with the contract's error body.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        upload_path: str | None = None,
        upload_max_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Uploads (one path) may be larger: their own limit, plus room for the multipart frame.
        self.upload_path = re.compile(upload_path) if upload_path else None
        self.upload_max_bytes = upload_max_bytes + 64 * 1024

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        if self.upload_path is not None and self.upload_path.match(scope.get("path", "")):
            limit = max(limit, self.upload_max_bytes)
        declared = _header(scope, b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _BodyTooLarge:
            await _too_large(send, limit)


class UnexpectedErrorMiddleware:
    """Answers an exception that escaped the app with the contract's 500 body, logged once,
    and does not re-raise it: re-raised, uvicorn would close the keep-alive connection under
    the client's next request. (A 5xx is always a bug; this keeps it from becoming two.)"""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled_error", path=scope.get("path"))
            if not started:  # else there is nothing sensible left to send
                await send_error(send, 500, "internal_error", "internal error")


class _BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"body over {limit} bytes")


async def _too_large(send: Send, limit: int) -> None:
    await send_error(send, 413, "payload_too_large", f"body over {limit} bytes")


async def send_error(send: Send, status: int, code: str, message: str) -> None:
    """Answer with the contract's error body, straight on the ASGI channel."""
    body = orjson.dumps({"error": {"code": code, "message": message}})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _route_template(scope: Scope) -> str:
    route: Any = scope.get("route")
    path = getattr(route, "path", None)
    # Unmatched paths collapse into one label so that scanners cannot blow up cardinality.
    return str(path) if path else "unmatched"
