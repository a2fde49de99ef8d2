"""How the client is served: `/` and `/static/...` with caching and security headers, and
nothing else of the app changed (API, docs, operations, the OpenAPI document)."""

from __future__ import annotations

import httpx
from e2e_server import ServerProcess


def test_the_page_and_its_files_are_served_with_strict_headers(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        page = http.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert page.headers["cache-control"] == "no-cache"
        csp = page.headers["content-security-policy"]
        for directive in ("default-src 'self'", "script-src 'self'", "object-src 'none'"):
            assert directive in csp
        assert f"connect-src 'self' ws://127.0.0.1:{server.port}" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert '<script type="module" src="/static/js/main.js">' in page.text
        assert "http://" not in page.text and "https://" not in page.text  # no CDN

        script = http.get("/static/js/main.js")
        assert script.status_code == 200
        assert script.headers["content-type"].startswith("text/javascript")
        assert script.headers["cache-control"] == "no-cache"
        again = http.get("/static/js/main.js", headers={"If-None-Match": script.headers["etag"]})
        assert again.status_code == 304
        assert http.get("/static/app.css").headers["content-type"].startswith("text/css")

        missing = http.get("/static/js/nope.js")
        assert missing.status_code == 404
        assert missing.json()["error"]["code"] == "not_found"
        assert http.get("/static/%2e%2e/entry/static.py").status_code == 404  # no way out


def test_the_rest_of_the_app_is_untouched(server: ServerProcess) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        paths = http.get("/openapi.json").json()["paths"]
        assert "/" not in paths and not any(p.startswith("/static") for p in paths)
        assert "/api/v1/chats" in paths
        assert http.get("/docs").status_code == 200
        assert http.get("/healthz").json() == {"status": "ok"}
        assert http.get("/readyz").status_code == 200
        assert http.get("/metrics").status_code == 200
        unknown = http.get("/api/v1/nothing-here")
        assert unknown.status_code == 404
        assert unknown.json()["error"]["code"] == "not_found"
        assert http.get("/api/v1/users/me").status_code == 401
