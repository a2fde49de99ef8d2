"""The auth port."""

from typing import Any, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hubbub.kernel.clock import Timestamp

PASSWORD_RULE = "8–128 characters, no control characters"
NAME_RULE = "no control or bidirectional formatting characters, not only invisible ones"


def _password(description: str = PASSWORD_RULE) -> Any:
    return Field(min_length=8, max_length=128, description=description)


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(
        min_length=3, max_length=50, pattern=r"^[A-Za-z0-9_.\-]+$", description="Unique, any case"
    )
    password: str = _password()
    email: str | None = Field(default=None, max_length=320)
    display_name: str | None = Field(default=None, max_length=100, description=NAME_RULE)


class LoginRequest(BaseModel):
    """`username` or `email`, and the password."""

    model_config = ConfigDict(extra="forbid")

    username: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    password: str = Field(max_length=1000)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    old_password: str = Field(max_length=1000)
    new_password: str = _password()


class AccountDeletion(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=1000, description="The account's password, to confirm")


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
    async def register(self, *, request: RegisterRequest) -> RegisteredUser:
        """Create an account; Conflict when taken, Invalid when malformed."""
        ...

    async def login(self, *, request: LoginRequest) -> TokenGrant:
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
