"""The auth port."""

from typing import Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from hubbub.kernel.clock import Timestamp


class RegisterRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(max_length=200)
    password: str = Field(max_length=1000)
    email: str | None = Field(default=None, max_length=320)
    display_name: str | None = Field(default=None, max_length=1000)


class LoginRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    password: str = Field(max_length=1000)


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
    """Who is calling: taken from a verified token."""

    model_config = ConfigDict(frozen=True)

    user_id: UUID
    username: str


class AuthApi(Protocol):
    async def register(self, *, request: RegisterRequest) -> RegisteredUser:
        """Create an account; Conflict when taken, Invalid when malformed."""
        ...

    async def login(self, *, request: LoginRequest) -> TokenGrant:
        """Exchange credentials for a token; Unauthorized on any mismatch."""
        ...

    def authenticate(self, token: str) -> Principal:
        """The principal of a valid token; Unauthorized otherwise. Pure CPU, no IO."""
        ...
