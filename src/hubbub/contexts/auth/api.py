"""The auth port."""

from dataclasses import dataclass, field
from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hubbub.kernel.clock import Timestamp
from hubbub.kernel.text import EMAIL_PATTERN, OPTIONAL_NAME_PATTERN, PLAIN_PATTERN

# The rules below are checked by the domain (users/model.py, auth/model.py, kernel/text.py),
# which answers each kind of problem with its own code (`invalid_password`...); the schema
# states them for clients and tools (`rule`), and pydantic does not check them again with a
# code of its own.
NAME_RULE = (
    "No control or bidirectional formatting characters; blank (the username is used) or "
    "with something visible"
)
USERNAME_PATTERN = r"^[A-Za-z0-9_.\-]{3,50}(?![\s\S])"


def rule(description: str | None = None, default: Any = ..., **schema: Any) -> Any:
    """A field whose constraints (JSON Schema keywords) the domain checks."""
    return Field(default=default, description=description, json_schema_extra=schema)


def _password() -> Any:
    return rule(
        "8–128 characters, no control characters",
        minLength=8,
        maxLength=128,
        pattern=PLAIN_PATTERN,
    )


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = rule(
        "3–50 letters, digits, '_', '.', '-'; unique whatever the case",
        minLength=3,
        maxLength=50,
        pattern=USERNAME_PATTERN,
    )
    password: str = _password()
    email: str | None = rule(default=None, maxLength=320, pattern=EMAIL_PATTERN)
    display_name: str | None = rule(
        NAME_RULE, default=None, maxLength=100, pattern=OPTIONAL_NAME_PATTERN
    )


class LoginRequest(BaseModel):
    """`username` or `email` (a non-empty one of them), and the password."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {
                    "required": ["username"],
                    "properties": {"username": {"type": "string", "minLength": 1}},
                },
                {
                    "required": ["email"],
                    "properties": {"email": {"type": "string", "minLength": 1}},
                },
            ]
        },
    )

    username: str | None = rule(default=None, maxLength=200, pattern=PLAIN_PATTERN)
    email: str | None = rule(default=None, maxLength=320, pattern=PLAIN_PATTERN)
    password: str = Field(max_length=1000)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(max_length=1000)
    new_password: str = _password()


class AccountDeletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=1000, description="The account's password, to confirm")


# The Api's own parameters (issue 12): the REST bodies above are the HTTP contract; the Api
# takes these, so a gRPC client or another context calls it without an HTTP request body.
# The domain checks every field; passwords stay out of reprs (and so out of logs).


@dataclass(frozen=True, slots=True)
class Registration:
    """A new account."""

    username: str
    password: str = field(repr=False)
    email: str | None = None
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class Credentials:
    """A username or an email, and the password."""

    password: str = field(repr=False)
    username: str | None = None
    email: str | None = None


MAX_PASSWORD_INPUT = 1000
"""The longest password a login looks at (longer is refused before any hashing)."""


class RegisteredUser(BaseModel):
    id: UUID
    username: str
    display_name: str
    created_at: Timestamp


class TokenUser(BaseModel):
    id: UUID
    username: str
    display_name: str


class TokenGrant(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_in: int
    user: TokenUser


class Principal(BaseModel):
    """Who is calling: taken from a verified token of a live session."""

    model_config = ConfigDict(frozen=True)

    user_id: UUID
    username: str
    session_id: UUID


class AuthApi(Protocol):
    async def register(self, *, registration: Registration) -> RegisteredUser:
        """Create an account; Conflict when taken, Invalid when malformed."""
        ...

    async def login(self, *, credentials: Credentials) -> TokenGrant:
        """Exchange credentials for a token of a new session; Unauthorized on any mismatch."""
        ...

    async def authenticate(self, token: str) -> Principal:
        """The principal of a valid token whose session is live; Unauthorized otherwise.
        (Cached: on the hot path it costs a dictionary lookup.)"""
        ...

    async def check_session(self, *, principal: Principal) -> None:
        """Unauthorized unless the principal's session is still live (cached)."""
        ...

    async def logout(self, *, principal: Principal) -> None:
        """End the caller's session."""
        ...

    async def logout_all(self, *, principal: Principal) -> None:
        """End every session of the caller, this one included."""
        ...

    async def change_password(self, *, principal: Principal, change: PasswordChange) -> None:
        """Set a new password (Forbidden if the old one is wrong) and end every other
        session of the caller."""
        ...

    async def delete_account(self, *, principal: Principal, deletion: AccountDeletion) -> None:
        """Delete the caller's account (Forbidden if the password is wrong): credentials and
        sessions now, everything else through the `user.deleted` event."""
        ...
