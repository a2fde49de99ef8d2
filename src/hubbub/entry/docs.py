"""The API documentation pages, with nothing fetched from outside this server.

`fastapi-offline` serves Swagger UI (`/docs`) and the assets of both pages from the package.
Two things would still leave the page: Swagger UI's badge asks validator.swagger.io about the
document (switched off below), and ReDoc's sidebar loads Redocly's logo from a CDN, so `/redoc`
is served here, with that one address in its bundle replaced by an empty image and a
Content-Security-Policy that keeps every other request on this server.
"""

from functools import cache
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html
from fastapi.responses import HTMLResponse, Response

OFFLINE_ASSETS = Path(fastapi_offline.__file__).parent / "static"
REDOC_PATH = "/redoc"
REDOC_JS_PATH = "/docs-assets/redoc.standalone.js"
FAVICON_PATH = "/static-offline-docs/favicon.png"  # fastapi-offline's static mount

# Swagger UI: no online validator; the token given to "Authorize" survives a reload.
SWAGGER_UI_PARAMETERS: dict[str, Any] = {"validatorUrl": None, "persistAuthorization": True}

_CDN_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
_EMPTY_IMAGE = (
    b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/%3E"
)
# ReDoc styles itself with inline <style> (styled-components) and searches in a blob: worker.
_REDOC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


@cache
def redoc_bundle() -> bytes:
    """fastapi-offline's ReDoc bundle, with the CDN logo replaced by an empty image."""
    bundle = (OFFLINE_ASSETS / "redoc.standalone.js").read_bytes()
    return bundle.replace(_CDN_LOGO, _EMPTY_IMAGE)


def add_redoc(app: FastAPI) -> None:
    """Serve ReDoc at /redoc on `app` (created with `redoc_url=None`)."""

    @app.get(REDOC_PATH, include_in_schema=False)
    async def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - ReDoc",
            redoc_js_url=REDOC_JS_PATH,
            redoc_favicon_url=FAVICON_PATH,
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = _REDOC_CSP
        return page

    @app.get(REDOC_JS_PATH, include_in_schema=False)
    async def redoc_js() -> Response:
        return Response(
            redoc_bundle(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=3600"},
        )
