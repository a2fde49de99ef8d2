"""auth: passwords, JWT issue and validation, sessions, account deletion."""

from hubbub.contexts.auth.api import (
    AccountDeletion,
    AuthApi,
    LoginRequest,
    PasswordChange,
    Principal,
    RegisterRequest,
    TokenGrant,
)
from hubbub.contexts.auth.deps import CurrentUser, bearer_token
from hubbub.contexts.auth.events import UserDeleted
from hubbub.contexts.auth.ports import SessionNotices

__all__ = [
    "AccountDeletion",
    "AuthApi",
    "CurrentUser",
    "LoginRequest",
    "PasswordChange",
    "Principal",
    "RegisterRequest",
    "SessionNotices",
    "TokenGrant",
    "UserDeleted",
    "bearer_token",
]
