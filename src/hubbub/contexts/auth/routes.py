"""/api/v1/auth: register and login."""

from fastapi import APIRouter, Request

from hubbub.apis import apis
from hubbub.contexts.auth.api import LoginRequest, RegisteredUser, RegisterRequest, TokenGrant
from hubbub.contexts.auth.deps import ClientRateLimit
from hubbub.http_errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1/auth", tags=["auth"], dependencies=[ClientRateLimit])


@router.post(
    "/register",
    status_code=201,
    response_model=RegisteredUser,
    responses=ERROR_RESPONSES(409, 422),
)
async def register(body: RegisterRequest, request: Request) -> RegisteredUser:
    """Create an account."""
    return await apis(request).auth.register(request=body)


@router.post("/login", response_model=TokenGrant, responses=ERROR_RESPONSES(401, 422))
async def login(body: LoginRequest, request: Request) -> TokenGrant:
    """Exchange a username (or email) and password for a JWT."""
    return await apis(request).auth.login(request=body)
