"""The browser client: `GET /` answers `index.html`, `/static/...` the CSS, JavaScript and icon.

The client (`hubbub/web/`) is plain JavaScript modules with no build step, so its file names
carry no content hash: every answer is `Cache-Control: no-cache` and the browser revalidates
with the ETag / Last-Modified that StaticFiles sends (a 304 costs one small round trip).
Neither route appears in the OpenAPI document.
"""

import os
import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
STATIC_PATH = "/static"

# Only this server's own files and sockets; no inline script or style, no frames, no plugins.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'{sockets}; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'; manifest-src 'self'"
)
# A Host header we are willing to echo into the policy (CSP Level 3 lets 'self' match ws:/wss:
# of the same host, and Chromium does; naming them too keeps older engines working).
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")

_COMMON_HEADERS = {
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def content_security_policy(host: str | None) -> str:
    """The page's policy; the WebSocket origins of `host` are added when it looks sane."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.fullmatch(host) else ""
    return _CSP.format(sockets=sockets)


def _page_headers(host: str | None) -> dict[str, str]:
    return {
        **_COMMON_HEADERS,
        "Content-Security-Policy": content_security_policy(host),
        "X-Frame-Options": "DENY",
    }


class _WebFiles(StaticFiles):
    """StaticFiles with the client's caching and security headers."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        host = dict(scope.get("headers", ())).get(b"host", b"").decode("latin-1")
        response.headers.update(_page_headers(host or None))
        return response


def mount_web(app: FastAPI, web_dir: Path = WEB_DIR) -> None:
    """Serve the browser client at `/` (and its assets under `/static`) on `app`."""
    index = web_dir / "index.html"

    @app.get("/", include_in_schema=False)
    async def client_page(request: Request) -> Response:
        """The single page of the client (its views are client-side)."""
        return FileResponse(
            index, media_type="text/html", headers=_page_headers(request.headers.get("host"))
        )

    app.mount(STATIC_PATH, _WebFiles(directory=web_dir), name="static")
