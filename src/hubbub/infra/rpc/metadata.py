"""The metadata hubbub's services exchange, and the small helpers that read and add it.

Keys are lowercase ASCII (gRPC's rule). Values are text: nothing secret ever travels here
(passwords and tokens are fields of requests), so metadata may be logged.
"""

from collections.abc import Iterable
from typing import Any

import grpc

REQUEST_ID = "x-request-id"
"""The request id of the call that caused this one (HTTP's `X-Request-ID`), end to end."""
USER_ID = "hubbub-user-id"
"""The user on whose behalf the call is made, when there is one (for logs, not for auth)."""
IDEMPOTENCY_KEY = "hubbub-idempotency-key"
"""One per logical mutation; its retries repeat it, so the server can answer them once."""
ERROR_CODE = "hubbub-error-code"
"""Trailing: the kernel error's code (`not_a_member`, `username_taken`, ...)."""
ERROR_STATUS = "hubbub-error-status"
"""Trailing: the error's HTTP status, for kernel errors the table does not name."""
RETRY_AFTER = "hubbub-retry-after"
"""Trailing: seconds, for rate limits."""

Pairs = Iterable[tuple[str, str | bytes]]


def value_of(metadata: Pairs | None, key: str) -> str | None:
    """The first value of `key` in call metadata, as text."""
    for name, value in metadata or ():
        if name == key:
            return value.decode() if isinstance(value, bytes) else value
    return None


def with_metadata(
    details: grpc.aio.ClientCallDetails, extra: dict[str, str]
) -> grpc.aio.ClientCallDetails:
    """`details` with `extra` added to its metadata (keys already present are kept)."""
    present = grpc.aio.Metadata.from_tuple(tuple(details.metadata or ()))
    for key, value in extra.items():
        if present.get(key) is None:
            present.add(key, value)
    return _details(details, metadata=present)


def with_timeout(details: grpc.aio.ClientCallDetails, timeout: float) -> grpc.aio.ClientCallDetails:
    """`details` with a deadline `timeout` seconds away."""
    return _details(details, timeout=timeout)


def _details(details: grpc.aio.ClientCallDetails, **changes: Any) -> grpc.aio.ClientCallDetails:
    fields = {
        "method": details.method,
        "timeout": details.timeout,
        "metadata": details.metadata,
        "credentials": details.credentials,
        "wait_for_ready": details.wait_for_ready,
    }
    return grpc.aio.ClientCallDetails(**(fields | changes))


def method_path(details: grpc.aio.ClientCallDetails) -> str:
    """`/package.Service/Method` (the channel hands interceptors bytes)."""
    method: str | bytes = details.method
    return method.decode() if isinstance(method, bytes) else method
