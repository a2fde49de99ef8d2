"""Profile rules: pure functions, no IO."""

import re

from hubbub.kernel.errors import Invalid
from hubbub.kernel.text import check_characters, is_invisible

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.\-]{3,50}$")
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}$")
DISPLAY_NAME_MAX = 100


def check_username(username: str) -> str:
    """The username if valid; usernames are compared case-insensitively but kept as typed."""
    if not USERNAME_RE.fullmatch(username):
        raise Invalid(
            "username: 3–50 characters of letters, digits, '_', '.' or '-'",
            code="invalid_username",
        )
    return username


def check_email(email: str | None) -> str | None:
    if email is None:
        return None
    check_characters(email, field="email", code="invalid_email")
    if not EMAIL_RE.fullmatch(email):
        raise Invalid("email: not a valid address", code="invalid_email")
    return email


def check_display_name(display_name: str | None, *, fallback: str) -> str:
    """The trimmed name (the fallback when blank); no control or bidirectional formatting
    characters, and not made of invisible characters only (name spoofing)."""
    raw = check_characters(
        display_name or "", field="display_name", code="invalid_display_name", names=True
    )
    if len(raw) > DISPLAY_NAME_MAX:  # as sent, like every length
        raise Invalid(
            f"display_name: at most {DISPLAY_NAME_MAX} characters", code="invalid_display_name"
        )
    name = raw.strip()
    if name and is_invisible(name):
        raise Invalid("display_name: must contain visible characters", code="invalid_display_name")
    return name or fallback


def check_login_name(value: str | None, field: str) -> str | None:
    """A username or email typed at login: any text, but no control characters."""
    if value is None:
        return None
    return check_characters(value, field=field, code="validation_error")


def search_prefix(query: str) -> str:
    """The normalised prefix for a username search (LIKE metacharacters escaped)."""
    query = check_characters(query, field="query", code="validation_error").strip().lower()
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
