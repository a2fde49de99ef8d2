"""The users context over gRPC, both sides in one file (synapse's ReplicationEndpoint):
`UsersServicer` serves any `UsersApi` (the local service, in the users process), and
`GrpcUsersApi` is a `UsersApi` that calls it. Callers cannot tell GrpcUsersApi from the
local service: the same contract suite runs over both (tests/contract/test_users_api.py).

Errors, deadlines, retries, idempotency keys and metrics are the channel's and the server's
business (hubbub.infra.rpc); this module only translates.
"""

from datetime import datetime
from uuid import UUID

import grpc

from hubbub.contexts.users.api import NewUser, ProfileUpdate, UserRecord, UsersApi, UserView
from hubbub.infra.rpc.convert import from_timestamp, parse_id, parse_ids, to_timestamp
from hubbub.infra.rpc.types import Context
from hubbub.kernel.errors import Invalid, NotFound
from hubbub.rpc_gen.users.v1 import users_pb2 as pb
from hubbub.rpc_gen.users.v1 import users_pb2_grpc

SERVICE = pb.DESCRIPTOR.services_by_name["UsersService"]


class UsersServicer(users_pb2_grpc.UsersServiceServicer):
    """The UsersService of proto/hubbub/users/v1, answered by a `UsersApi`."""

    def __init__(self, api: UsersApi) -> None:
        self._api = api

    async def CreateUser(
        self, request: pb.CreateUserRequest, context: Context
    ) -> pb.CreateUserResponse:
        new = NewUser(
            username=request.username,
            display_name=request.display_name if request.HasField("display_name") else None,
            email=request.email if request.HasField("email") else None,
        )
        return pb.CreateUserResponse(user=_record_to_pb(await self._api.create(new=new)))

    async def GetUserByID(
        self, request: pb.GetUserByIDRequest, context: Context
    ) -> pb.GetUserByIDResponse:
        view = await self._api.get(user_id=parse_id(request.user_id, field="user_id"))
        return pb.GetUserByIDResponse(user=_view_to_pb(view))

    async def BatchGetUsers(
        self, request: pb.BatchGetUsersRequest, context: Context
    ) -> pb.BatchGetUsersResponse:
        ids = set(parse_ids(request.user_ids, field="user_ids"))
        views = await self._api.get_many(user_ids=ids)
        return pb.BatchGetUsersResponse(users=[_view_to_pb(v) for v in views.values()])

    async def FilterDiscoverable(
        self, request: pb.FilterDiscoverableRequest, context: Context
    ) -> pb.FilterDiscoverableResponse:
        ids = set(parse_ids(request.user_ids, field="user_ids"))
        found = await self._api.discoverable_among(user_ids=ids)
        return pb.FilterDiscoverableResponse(user_ids=[str(u) for u in found])

    async def GetUserByEmail(
        self, request: pb.GetUserByEmailRequest, context: Context
    ) -> pb.GetUserByEmailResponse:
        record = await self._api.find_login(username=None, email=request.email)
        if record is None:
            raise NotFound("user not found", code="user_not_found")
        return pb.GetUserByEmailResponse(user=_record_to_pb(record))

    async def FindLogin(
        self, request: pb.FindLoginRequest, context: Context
    ) -> pb.FindLoginResponse:
        record = await self._api.find_login(
            username=request.username if request.HasField("username") else None,
            email=request.email if request.HasField("email") else None,
        )
        return pb.FindLoginResponse(user=_record_to_pb(record) if record else None)

    async def SearchUsers(
        self, request: pb.SearchUsersRequest, context: Context
    ) -> pb.SearchUsersResponse:
        views = await self._api.search(prefix=request.prefix, limit=request.limit)
        return pb.SearchUsersResponse(users=[_view_to_pb(v) for v in views])

    async def UpdateUser(
        self, request: pb.UpdateUserRequest, context: Context
    ) -> pb.UpdateUserResponse:
        change = ProfileUpdate(
            display_name=request.display_name if request.HasField("display_name") else None,
            discoverable=request.discoverable if request.HasField("discoverable") else None,
        )
        user_id = parse_id(request.user_id, field="user_id")
        return pb.UpdateUserResponse(
            user=_view_to_pb(await self._api.update(user_id=user_id, change=change))
        )

    async def DeleteUser(
        self, request: pb.DeleteUserRequest, context: Context
    ) -> pb.DeleteUserResponse:
        await self._api.delete(user_id=parse_id(request.user_id, field="user_id"))
        return pb.DeleteUserResponse()

    async def TouchLastSeen(
        self, request: pb.TouchLastSeenRequest, context: Context
    ) -> pb.TouchLastSeenResponse:
        if not request.HasField("at"):
            raise Invalid("at: required", code="validation_error")
        user_id = parse_id(request.user_id, field="user_id")
        await self._api.touch_last_seen(user_id=user_id, at=from_timestamp(request.at))
        return pb.TouchLastSeenResponse()


def add_users_service(server: grpc.aio.Server, api: UsersApi) -> None:
    """Serve `api` as the UsersService on `server`."""
    users_pb2_grpc.add_UsersServiceServicer_to_server(UsersServicer(api), server)


class GrpcUsersApi:
    """A `UsersApi` answered by the users service behind `channel`."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = users_pb2_grpc.UsersServiceStub(channel)

    async def create(self, *, new: NewUser) -> UserRecord:
        request = pb.CreateUserRequest(
            username=new.username, display_name=new.display_name, email=new.email
        )
        return _record_from_pb((await self._stub.CreateUser(request)).user)

    async def get(self, *, user_id: UUID) -> UserView:
        answer = await self._stub.GetUserByID(pb.GetUserByIDRequest(user_id=str(user_id)))
        return _view_from_pb(answer.user)

    async def get_many(self, *, user_ids: set[UUID]) -> dict[UUID, UserView]:
        if not user_ids:
            return {}
        request = pb.BatchGetUsersRequest(user_ids=[str(u) for u in user_ids])
        views = [_view_from_pb(u) for u in (await self._stub.BatchGetUsers(request)).users]
        return {view.id: view for view in views}

    async def discoverable_among(self, *, user_ids: set[UUID]) -> set[UUID]:
        if not user_ids:
            return set()
        request = pb.FilterDiscoverableRequest(user_ids=[str(u) for u in user_ids])
        answer = await self._stub.FilterDiscoverable(request)
        return {UUID(u) for u in answer.user_ids}

    async def find_login(self, *, username: str | None, email: str | None) -> UserRecord | None:
        answer = await self._stub.FindLogin(pb.FindLoginRequest(username=username, email=email))
        return _record_from_pb(answer.user) if answer.HasField("user") else None

    async def search(self, *, prefix: str, limit: int) -> list[UserView]:
        answer = await self._stub.SearchUsers(pb.SearchUsersRequest(prefix=prefix, limit=limit))
        return [_view_from_pb(u) for u in answer.users]

    async def update(self, *, user_id: UUID, change: ProfileUpdate) -> UserView:
        request = pb.UpdateUserRequest(
            user_id=str(user_id), display_name=change.display_name, discoverable=change.discoverable
        )
        return _view_from_pb((await self._stub.UpdateUser(request)).user)

    async def delete(self, *, user_id: UUID) -> None:
        await self._stub.DeleteUser(pb.DeleteUserRequest(user_id=str(user_id)))

    async def touch_last_seen(self, *, user_id: UUID, at: datetime) -> None:
        request = pb.TouchLastSeenRequest(user_id=str(user_id), at=to_timestamp(at))
        await self._stub.TouchLastSeen(request)


def _record_to_pb(record: UserRecord) -> pb.UserRecord:
    return pb.UserRecord(
        id=str(record.id),
        username=record.username,
        display_name=record.display_name,
        email=record.email,
        discoverable=record.discoverable,
        created_at=to_timestamp(record.created_at),
        last_seen_at=to_timestamp(record.last_seen_at) if record.last_seen_at else None,
    )


def _record_from_pb(user: pb.UserRecord) -> UserRecord:
    return UserRecord(
        id=UUID(user.id),
        username=user.username,
        display_name=user.display_name,
        email=user.email if user.HasField("email") else None,
        discoverable=user.discoverable,
        created_at=from_timestamp(user.created_at),
        last_seen_at=from_timestamp(user.last_seen_at) if user.HasField("last_seen_at") else None,
    )


def _view_to_pb(view: UserView) -> pb.UserView:
    return pb.UserView(
        id=str(view.id),
        username=view.username,
        display_name=view.display_name,
        online=view.online,
        last_seen_at=to_timestamp(view.last_seen_at) if view.last_seen_at else None,
        deleted=view.deleted,
    )


def _view_from_pb(user: pb.UserView) -> UserView:
    return UserView(
        id=UUID(user.id),
        username=user.username,
        display_name=user.display_name,
        online=user.online,
        last_seen_at=from_timestamp(user.last_seen_at) if user.HasField("last_seen_at") else None,
        deleted=user.deleted,
    )
