"""The auth context over gRPC, both sides in one file (the users pattern): `AuthServicer`
serves any `AuthApi` (the local service, in the auth process), and `GrpcAuthApi` is an
`AuthApi` that calls it. The same contract suite runs over both
(tests/contract/test_auth_api.py).

Passwords and tokens travel in requests and answers only, never in metadata or logs.
Errors, deadlines, retries, idempotency keys and metrics are hubbub.infra.rpc's business;
this module only translates.
"""

from typing import TypeVar
from uuid import UUID

import grpc
from pydantic import BaseModel, ValidationError

from hubbub.contexts.auth.api import (
    AccountDeletion,
    AuthApi,
    Credentials,
    PasswordChange,
    Principal,
    RegisteredUser,
    Registration,
    TokenGrant,
    TokenUser,
)
from hubbub.infra.rpc.convert import from_timestamp, parse_id, to_timestamp
from hubbub.infra.rpc.types import Context
from hubbub.kernel.errors import Invalid
from hubbub.rpc_gen.auth.v1 import auth_pb2 as pb
from hubbub.rpc_gen.auth.v1 import auth_pb2_grpc

SERVICE = pb.DESCRIPTOR.services_by_name["AuthService"]


class AuthServicer(auth_pb2_grpc.AuthServiceServicer):
    """The AuthService of proto/hubbub/auth/v1, answered by an `AuthApi`."""

    def __init__(self, api: AuthApi) -> None:
        self._api = api

    async def Register(self, request: pb.RegisterRequest, context: Context) -> pb.RegisterResponse:
        registration = Registration(
            username=request.username,
            password=request.password,
            email=request.email if request.HasField("email") else None,
            display_name=request.display_name if request.HasField("display_name") else None,
        )
        user = await self._api.register(registration=registration)
        return pb.RegisterResponse(
            id=str(user.id),
            username=user.username,
            display_name=user.display_name,
            created_at=to_timestamp(user.created_at),
        )

    async def Login(self, request: pb.LoginRequest, context: Context) -> pb.LoginResponse:
        credentials = Credentials(
            password=request.password,
            username=request.username if request.HasField("username") else None,
            email=request.email if request.HasField("email") else None,
        )
        grant = await self._api.login(credentials=credentials)
        return pb.LoginResponse(
            token=grant.token,
            token_type=grant.token_type,
            expires_in=grant.expires_in,
            user=pb.TokenUser(
                id=str(grant.user.id),
                username=grant.user.username,
                display_name=grant.user.display_name,
            ),
        )

    async def ValidateToken(
        self, request: pb.ValidateTokenRequest, context: Context
    ) -> pb.ValidateTokenResponse:
        principal = await self._api.authenticate(request.token)
        return pb.ValidateTokenResponse(
            user_id=str(principal.user_id),
            username=principal.username,
            session_id=str(principal.session_id),
        )

    async def CheckSession(
        self, request: pb.CheckSessionRequest, context: Context
    ) -> pb.CheckSessionResponse:
        await self._api.check_session(principal=_principal_from_pb(request))
        return pb.CheckSessionResponse()

    async def Logout(self, request: pb.LogoutRequest, context: Context) -> pb.LogoutResponse:
        await self._api.logout(principal=_principal_from_pb(request))
        return pb.LogoutResponse()

    async def LogoutAll(
        self, request: pb.LogoutAllRequest, context: Context
    ) -> pb.LogoutAllResponse:
        await self._api.logout_all(principal=_principal_from_pb(request))
        return pb.LogoutAllResponse()

    async def ChangePassword(
        self, request: pb.ChangePasswordRequest, context: Context
    ) -> pb.ChangePasswordResponse:
        change = _checked(
            PasswordChange, old_password=request.old_password, new_password=request.new_password
        )
        await self._api.change_password(principal=_principal_from_pb(request), change=change)
        return pb.ChangePasswordResponse()

    async def DeleteAccount(
        self, request: pb.DeleteAccountRequest, context: Context
    ) -> pb.DeleteAccountResponse:
        deletion = _checked(AccountDeletion, password=request.password)
        await self._api.delete_account(principal=_principal_from_pb(request), deletion=deletion)
        return pb.DeleteAccountResponse()


def add_auth_service(server: grpc.aio.Server, api: AuthApi) -> None:
    """Serve `api` as the AuthService on `server`."""
    auth_pb2_grpc.add_AuthServiceServicer_to_server(AuthServicer(api), server)


class GrpcAuthApi:
    """An `AuthApi` answered by the auth service behind `channel`."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = auth_pb2_grpc.AuthServiceStub(channel)

    async def register(self, *, registration: Registration) -> RegisteredUser:
        request = pb.RegisterRequest(
            username=registration.username,
            password=registration.password,
            email=registration.email,
            display_name=registration.display_name,
        )
        answer = await self._stub.Register(request)
        return RegisteredUser(
            id=UUID(answer.id),
            username=answer.username,
            display_name=answer.display_name,
            created_at=from_timestamp(answer.created_at),
        )

    async def login(self, *, credentials: Credentials) -> TokenGrant:
        request = pb.LoginRequest(
            username=credentials.username, email=credentials.email, password=credentials.password
        )
        answer = await self._stub.Login(request)
        return TokenGrant(
            token=answer.token,
            token_type=answer.token_type,
            expires_in=answer.expires_in,
            user=TokenUser(
                id=UUID(answer.user.id),
                username=answer.user.username,
                display_name=answer.user.display_name,
            ),
        )

    async def authenticate(self, token: str) -> Principal:
        answer = await self._stub.ValidateToken(pb.ValidateTokenRequest(token=token))
        return Principal(
            user_id=UUID(answer.user_id),
            username=answer.username,
            session_id=UUID(answer.session_id),
        )

    async def check_session(self, *, principal: Principal) -> None:
        await self._stub.CheckSession(pb.CheckSessionRequest(principal=_principal_to_pb(principal)))

    async def logout(self, *, principal: Principal) -> None:
        await self._stub.Logout(pb.LogoutRequest(principal=_principal_to_pb(principal)))

    async def logout_all(self, *, principal: Principal) -> None:
        await self._stub.LogoutAll(pb.LogoutAllRequest(principal=_principal_to_pb(principal)))

    async def change_password(self, *, principal: Principal, change: PasswordChange) -> None:
        request = pb.ChangePasswordRequest(
            principal=_principal_to_pb(principal),
            old_password=change.old_password,
            new_password=change.new_password,
        )
        await self._stub.ChangePassword(request)

    async def delete_account(self, *, principal: Principal, deletion: AccountDeletion) -> None:
        request = pb.DeleteAccountRequest(
            principal=_principal_to_pb(principal), password=deletion.password
        )
        await self._stub.DeleteAccount(request)


Body = TypeVar("Body", bound=BaseModel)


def _checked(model: type[Body], **fields: str) -> Body:
    """The request model as REST would check it; Invalid (never a 500) when it is not."""
    try:
        return model(**fields)
    except ValidationError as exc:
        where = ".".join(str(part) for part in exc.errors()[0]["loc"])
        raise Invalid(f"{where}: {exc.errors()[0]['msg']}", code="validation_error") from None


def _principal_to_pb(principal: Principal) -> pb.Principal:
    return pb.Principal(
        user_id=str(principal.user_id),
        username=principal.username,
        session_id=str(principal.session_id),
    )


def _principal_from_pb(
    request: pb.CheckSessionRequest
    | pb.LogoutRequest
    | pb.LogoutAllRequest
    | pb.ChangePasswordRequest
    | pb.DeleteAccountRequest,
) -> Principal:
    if not request.HasField("principal"):
        raise Invalid("principal: required", code="validation_error")
    found = request.principal
    return Principal(
        user_id=parse_id(found.user_id, field="principal.user_id"),
        username=found.username,
        session_id=parse_id(found.session_id, field="principal.session_id"),
    )
