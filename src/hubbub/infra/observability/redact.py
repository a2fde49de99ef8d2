"""Secrets never reach a log: a last step of every log line, whoever wrote it.

uvicorn logs a WebSocket's request line with its query string (`/ws?token=…`), exceptions
can quote a URL with a password in it, and a careless `log.info(..., token=…)` can happen.
Rather than trusting every call site, the one formatter all logs go through (see
logging.py) passes each line through `redact_event`: values of secret-looking keys are
replaced, and anything shaped like a credential inside any text (a JWT, a bearer token, a
`token=`/`password=` parameter, the password of a URL) is masked.
"""

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

MASK = "[redacted]"

# Keys whose values are secret whatever they hold.
SECRET_KEYS = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "password",
        "old_password",
        "new_password",
        "authorization",
        "api_key",
        "secret",
        "jwt_secret",
        "cookie",
        "set-cookie",
    }
)

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A JWT anywhere: three base64url parts, the first two starting with '{"' encoded.
    (re.compile(r"eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*"), MASK),
    # `Authorization: Bearer …` / `Basic …` values quoted in text.
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+"), rf"\1 {MASK}"),
    # Secret query or form parameters: ?token=…&password=…
    (
        re.compile(
            r"(?i)([?&;\s\"']|^)((?:access_|refresh_)?token|password|passwd|secret|api_key)"
            r"=[^&\s\"';]*"
        ),
        rf"\1\2={MASK}",
    ),
    # The password of a URL: scheme://user:password@host
    (re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*):[^/\s@]+@"), rf"\1:{MASK}@"),
)


def redact_text(text: str) -> str:
    """`text` with every credential-shaped part masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def redact_value(key: str, value: Any) -> Any:
    """A log field's value, masked when its key names a secret or its text holds one."""
    if key.lower() in SECRET_KEYS and value is not None:
        return MASK
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {k: redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(key, v) for v in value]
    return value


def redact_event(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> dict[str, Any]:
    """structlog processor: mask secrets in every field of the event (after exceptions were
    formatted, so tracebacks are masked too)."""
    return {key: redact_value(key, value) for key, value in event_dict.items()}
