"""/api/v1/auth: register, login, and ending sessions."""

from fastapi import APIRouter, Request, Response

from hubbub.apis import apis
from hubbub.contexts.auth.api import (
    Credentials,
    LoginRequest,
    PasswordChange,
    RegisteredUser,
    RegisterRequest,
    Registration,
    TokenGrant,
)
from hubbub.contexts.auth.deps import ClientRateLimit, CurrentUser
from hubbub.http_errors import ERROR_RESPONSES

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/register",
    status_code=201,
    response_model=RegisteredUser,
    responses=ERROR_RESPONSES(400, 409, 413, 422),
    dependencies=[ClientRateLimit],
)
async def register(body: RegisterRequest, request: Request) -> RegisteredUser:
    """Create an account."""
    registration = Registration(
        username=body.username,
        password=body.password,
        email=body.email,
        display_name=body.display_name,
    )
    return await apis(request).auth.register(registration=registration)


@router.post(
    "/login",
    response_model=TokenGrant,
    responses=ERROR_RESPONSES(400, 401, 413, 422),
    dependencies=[ClientRateLimit],
)
async def login(body: LoginRequest, request: Request) -> TokenGrant:
    """Exchange a username (or email) and password for the JWT of a new session."""
    credentials = Credentials(password=body.password, username=body.username, email=body.email)
    return await apis(request).auth.login(credentials=credentials)


@router.post("/logout", status_code=204, response_class=Response, responses=ERROR_RESPONSES(401))
async def logout(user: CurrentUser, request: Request) -> Response:
    """End the calling token's session: the token gets 401 from now on and the sockets
    opened with it close with 4401."""
    await apis(request).auth.logout(principal=user)
    return Response(status_code=204)


@router.post(
    "/logout-all", status_code=204, response_class=Response, responses=ERROR_RESPONSES(401)
)
async def logout_all(user: CurrentUser, request: Request) -> Response:
    """End every session of the caller, on every device (this one included)."""
    await apis(request).auth.logout_all(principal=user)
    return Response(status_code=204)


@router.post(
    "/password",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES(400, 401, 403, 413, 422),
)
async def change_password(body: PasswordChange, user: CurrentUser, request: Request) -> Response:
    """Change the password (403 `wrong_password` if `old_password` is wrong); every other
    session of the caller ends, this one goes on."""
    await apis(request).auth.change_password(principal=user, change=body)
    return Response(status_code=204)
