"""auth: passwords, JWT issue and validation, sessions, account deletion."""

from hubbub.contexts.auth.api import (
    AccountDeletion,
    AuthApi,
    Credentials,
    LoginRequest,
    PasswordChange,
    Principal,
    RegisteredUser,
    RegisterRequest,
    Registration,
    TokenGrant,
)
from hubbub.contexts.auth.deps import CurrentUser, bearer_token
from hubbub.contexts.auth.events import UserDeleted
from hubbub.contexts.auth.ports import SessionNotices

__all__ = [
    "AccountDeletion",
    "AuthApi",
    "Credentials",
    "CurrentUser",
    "LoginRequest",
    "PasswordChange",
    "Principal",
    "RegisterRequest",
    "RegisteredUser",
    "Registration",
    "SessionNotices",
    "TokenGrant",
    "UserDeleted",
    "bearer_token",
]
