"""The web's security rules for every HTTP answer: origins (CORS) and security headers.

- A request whose `Origin` is neither this server's own nor in `HUBBUB_CORS_ORIGINS` gets
  403 `origin_not_allowed` (the same rule refuses such WebSocket handshakes, see the
  gateway); allowed cross origins get CORS headers from Starlette's CORSMiddleware, preflight
  included.
- Every answer carries `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and
  `X-Frame-Options: DENY` (nothing of hubbub is meant to be framed), and HTTPS answers
  `Strict-Transport-Security` (HTTPS served here, or by a trusted proxy that says so).
"""

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hubbub.infra.observability.middleware import send_error
from hubbub.kernel.origins import OriginPolicy

CORS_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
CORS_HEADERS = ["authorization", "content-type", "x-request-id", "if-match"]
CORS_EXPOSED = ["retry-after", "x-request-id"]


def add_origin_rules(app: FastAPI, policy: OriginPolicy) -> None:
    """Refuse other origins; answer allowed cross origins with CORS (preflight included)."""
    app.add_middleware(
        CORSMiddleware,
        allow_origins=sorted(policy.allowed),
        allow_methods=CORS_METHODS,
        allow_headers=CORS_HEADERS,
        expose_headers=CORS_EXPOSED,
        max_age=600,
    )
    app.add_middleware(OriginMiddleware, policy=policy)


class OriginMiddleware:
    def __init__(self, app: ASGIApp, policy: OriginPolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = Headers(scope=scope)
            if not self.policy.allows(headers.get("origin"), headers.get("host")):
                await send_error(send, 403, "origin_not_allowed", "this origin may not use the API")
                return
        await self.app(scope, receive, send)


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp, *, hsts_seconds: int) -> None:
        self.app = app
        self.hsts = f"max-age={hsts_seconds}".encode() if hsts_seconds else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                wanted = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                ]
                if https and self.hsts is not None:
                    wanted.append((b"strict-transport-security", self.hsts))
                headers += [(name, value) for name, value in wanted if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)
