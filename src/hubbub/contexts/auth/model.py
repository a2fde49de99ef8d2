"""Password, token and session rules: pure, no IO."""

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class Session:
    """One login: the token names it (`jti`), and it lives until it expires or is ended."""

    id: UUID
    user_id: UUID
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: UUID
    username: str
    session_id: UUID


def new_session(*, session_id: UUID, user_id: UUID, now: datetime, ttl_seconds: int) -> Session:
    return Session(session_id, user_id, now, now + timedelta(seconds=ttl_seconds))


def issue_token(*, session: Session, username: str, secret: str) -> str:
    """The JWT of a session: HS256, `sub`/`user_id`, `username`, `jti` (the session), iat, exp."""
    claims: dict[str, Any] = {
        "sub": str(session.user_id),
        "user_id": str(session.user_id),
        "username": username,
        "jti": str(session.id),
        "iat": int(session.created_at.timestamp()),
        "exp": int(session.expires_at.timestamp()),
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, *, secret: str, now: datetime) -> TokenClaims:
    """The claims of a token signed by us and not expired at `now` (whether its session is
    still live is the store's to say)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            # Expiry is checked below against the injected clock, not the wall clock.
            options={"require": ["sub", "exp", "iat", "jti"], "verify_exp": False},
        )
        found = TokenClaims(
            user_id=UUID(str(claims["sub"])),
            username=str(claims.get("username", "")),
            session_id=UUID(str(claims["jti"])),
        )
        expires = int(claims["exp"])
    except (jwt.InvalidTokenError, ValueError, KeyError, TypeError, OverflowError) as exc:
        raise Unauthorized("invalid token", code="invalid_token") from exc
    if expires <= now.timestamp():
        raise Unauthorized("token expired", code="token_expired")
    return found


SESSION_ENDED = "this session has ended: log in again"


def session_ended() -> Unauthorized:
    """The answer to a token whose session was ended (logout, password change, account
    deletion) or never existed here (a token of an unknown user)."""
    return Unauthorized(SESSION_ENDED, code="session_ended")
