"""Log lines for a person at a terminal. A request is one short line, `GET /api/v1/chats 200
3.1 ms`, and the pages and files of the web client and the API docs get none (a page load
fetches about twenty) unless they fail or the level is debug. The logger's name and the request
id are left out, except the id of a warning, an error or a server error (to match it with its
traceback). JSON logs keep every field of every line."""

import structlog
from structlog.types import EventDict, Processor, WrappedLogger

# What a browser fetches to show a page, as opposed to calls of the API.
_PAGE_PATHS = {"/", "/docs", "/redoc", "/openapi.json", "/favicon.ico"}
_PAGE_PREFIXES = ("/static/", "/static-offline-docs/", "/docs-assets/")


def is_page_asset(path: str) -> bool:
    """A page or file of the web client or of the API docs."""
    return path in _PAGE_PATHS or path.startswith(_PAGE_PREFIXES)


def for_terminal(*, verbose: bool) -> Processor:
    """A processor that makes a line readable (`verbose`: keep the page loads, at debug)."""

    def rewrite(_logger: WrappedLogger, _method: str, event: EventDict) -> EventDict:
        event.pop("logger", None)
        important = event.get("level") in ("warning", "error", "critical")
        if event.get("event") == "http_request":
            method, path = event.pop("method", "?"), str(event.pop("path", "?"))
            status, duration = event.pop("status", 0), event.pop("duration_ms", "?")
            failed = not isinstance(status, int) or status >= 400
            if not verbose and not failed and is_page_asset(path):
                raise structlog.DropEvent
            important = important or not isinstance(status, int) or status >= 500
            event["event"] = f"{method} {path} {status} {duration} ms"
        if not important:
            event.pop("request_id", None)
        return event

    return rewrite
