"""The users service's calls that the design documents name but `UsersApi` does not:
GetUserByEmail, for the auth service's login by email."""

import grpc
import pytest

from hubbub.contexts.users import NewUser, UsersApi
from hubbub.contexts.users.wiring import users_channel
from hubbub.kernel.errors import NotFound
from hubbub.rpc_gen.users.v1 import users_pb2, users_pb2_grpc
from rpc_servers import TEST_POLICY, users_server


async def test_get_user_by_email(users_api: UsersApi) -> None:
    alice = await users_api.create(new=NewUser(username="alice", email="Alice@X.org"))

    async with users_server(users_api) as served:
        channel = users_channel(served.address, policy=TEST_POLICY)
        stub = users_pb2_grpc.UsersServiceStub(channel)
        found = await stub.GetUserByEmail(users_pb2.GetUserByEmailRequest(email="alice@x.org"))
        with pytest.raises(NotFound) as caught:
            await stub.GetUserByEmail(users_pb2.GetUserByEmailRequest(email="bob@x.org"))
        await channel.close()

    assert (found.user.id, found.user.username, found.user.email) == (
        str(alice.id),
        "alice",
        "Alice@X.org",
    )
    assert not found.user.HasField("last_seen_at")
    assert caught.value.code == "user_not_found"


async def test_touch_last_seen_needs_a_time(users_api: UsersApi) -> None:
    alice = await users_api.create(new=NewUser(username="alice"))

    async with users_server(users_api) as served:
        channel = grpc.aio.insecure_channel(served.address)
        stub = users_pb2_grpc.UsersServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.TouchLastSeen(users_pb2.TouchLastSeenRequest(user_id=str(alice.id)))
        await channel.close()

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert caught.value.details() == "at: required"
