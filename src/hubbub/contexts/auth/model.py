"""Password and token rules: pure, no IO."""

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import jwt

from hubbub.kernel.errors import Invalid, Unauthorized
from hubbub.kernel.text import check_characters

PASSWORD_MIN, PASSWORD_MAX = 8, 128
ALGORITHM = "HS256"  # pinned: tokens naming any other algorithm (or none) are refused


def check_password(password: str, *, field: str = "password") -> str:
    """8–128 characters, none of them control characters."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        raise Invalid(f"{field}: {PASSWORD_MIN}–{PASSWORD_MAX} characters", code="invalid_password")
    return check_characters(password, field=field, code="invalid_password")


def issue_token(
    *, user_id: UUID, username: str, secret: str, now: datetime, ttl_seconds: int
) -> str:
    claims: dict[str, Any] = {
        "sub": str(user_id),
        "user_id": str(user_id),
        "username": username,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=ttl_seconds)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, *, secret: str, now: datetime) -> tuple[UUID, str]:
    """(user id, username) from a token signed by us and not expired at `now`."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            # Expiry is checked below against the injected clock, not the wall clock.
            options={"require": ["sub", "exp", "iat"], "verify_exp": False},
        )
        user_id, username, expires = (
            UUID(str(claims["sub"])),
            str(claims.get("username", "")),
            int(claims["exp"]),
        )
    except (jwt.InvalidTokenError, ValueError, KeyError, TypeError) as exc:
        raise Unauthorized("invalid token", code="invalid_token") from exc
    if expires <= now.timestamp():
        raise Unauthorized("token expired", code="token_expired")
    return user_id, username
