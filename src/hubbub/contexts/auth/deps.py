"""FastAPI dependencies: the caller's identity, with the per-user rate limit applied."""

from typing import Annotated

import structlog
from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hubbub.apis import apis
from hubbub.contexts.auth.api import Principal
from hubbub.kernel.errors import Unauthorized


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header value."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


# Declares the scheme in the OpenAPI document (Swagger UI's "Authorize" button and the
# `security` of every operation that needs a token); the header is read below, so that a
# missing or malformed one gets the contract's 401, not FastAPI's 403.
BEARER = HTTPBearer(
    scheme_name="bearer",
    bearerFormat="JWT",
    description="The `token` of `POST /api/v1/auth/login`.",
    auto_error=False,
)
BearerScheme = Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)]


async def current_principal(request: Request, _scheme: BearerScheme) -> Principal:
    token = bearer_token(request.headers.get("authorization"))
    if token is None:
        raise Unauthorized("missing bearer token", code="missing_token")
    found = apis(request)
    principal = await found.auth.authenticate(token)
    structlog.contextvars.bind_contextvars(user_id=str(principal.user_id))
    await found.rate_limiter.hit(f"user:{principal.user_id}")
    return principal


async def client_rate_limit(request: Request) -> None:
    """Rate limit for unauthenticated endpoints, keyed by client address."""
    host = request.client.host if request.client else "unknown"
    await apis(request).rate_limiter.hit(f"ip:{host}")


CurrentUser = Annotated[Principal, Depends(current_principal)]
ClientRateLimit = Depends(client_rate_limit)
