"""auth: passwords, JWT issue and validation."""

from hubbub.contexts.auth.api import AuthApi, LoginRequest, Principal, RegisterRequest, TokenGrant

__all__ = ["AuthApi", "LoginRequest", "Principal", "RegisterRequest", "TokenGrant"]
