"""auth: passwords, JWT issue and validation."""

from hubbub.contexts.auth.api import AuthApi, LoginRequest, Principal, RegisterRequest, TokenGrant
from hubbub.contexts.auth.deps import CurrentUser, bearer_token

__all__ = [
    "AuthApi",
    "CurrentUser",
    "LoginRequest",
    "Principal",
    "RegisterRequest",
    "TokenGrant",
    "bearer_token",
]
