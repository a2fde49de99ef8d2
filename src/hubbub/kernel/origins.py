"""Which web origins may use the API and open sockets: this server's own, and an allow-list.

A browser says where a page comes from in the `Origin` header. Requests without one (curl,
apps, servers) are not a browser's cross-site requests and pass; requests from the page's own
origin (the web client hubbub serves) pass; anything else must be in the allow-list
(`HUBBUB_CORS_ORIGINS`), which is empty by default: same origin only.
"""

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def normalise_origin(origin: str) -> str | None:
    """`scheme://host[:port]` in lower case with the default port left out, or None when
    `origin` is not an origin (a path, no scheme, `null`...)."""
    try:
        parts = urlsplit(origin.strip().lower())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    if port is not None and port != DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host}"


class OriginPolicy:
    def __init__(self, allowed: list[str]) -> None:
        normalised = [(raw, normalise_origin(raw)) for raw in allowed]
        bad = [raw for raw, origin in normalised if origin is None]
        if bad:
            raise ValueError(
                f"HUBBUB_CORS_ORIGINS: not an origin (scheme://host[:port]): {', '.join(bad)}"
            )
        self.allowed = frozenset(origin for _, origin in normalised if origin is not None)

    def allows(self, origin: str | None, host: str | None) -> bool:
        """May a request with this `Origin` (None: no header) to this `Host` go on?"""
        if origin is None:
            return True
        found = normalise_origin(origin)
        if found is None:
            return False
        return found in self.allowed or _same_host(found, host)

    def cross_origin(self, origin: str | None, host: str | None) -> bool:
        """An allowed origin other than this server's own (the answer needs CORS headers)."""
        found = normalise_origin(origin) if origin else None
        return found is not None and found in self.allowed and not _same_host(found, host)


def _same_host(origin: str, host: str | None) -> bool:
    """The origin names the host the request was sent to (the page is this server's)."""
    if not host:
        return False
    scheme, _, authority = origin.partition("://")
    host = host.strip().lower()
    default = f":{DEFAULT_PORTS[scheme]}"
    if host.endswith(default):
        host = host[: -len(default)]
    return authority == host
