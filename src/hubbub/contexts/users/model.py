"""Profile rules: pure functions, no IO."""

import re

from hubbub.kernel.errors import Invalid

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
    email = email.strip()
    if not EMAIL_RE.fullmatch(email):
        raise Invalid("email: not a valid address", code="invalid_email")
    return email


def check_display_name(display_name: str | None, *, fallback: str) -> str:
    name = (display_name or "").strip() or fallback
    if len(name) > DISPLAY_NAME_MAX:
        raise Invalid(
            f"display_name: at most {DISPLAY_NAME_MAX} characters", code="invalid_display_name"
        )
    return name


def search_prefix(query: str) -> str:
    """The normalised prefix for a username search (LIKE metacharacters escaped)."""
    query = query.strip().lower()
    return query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
