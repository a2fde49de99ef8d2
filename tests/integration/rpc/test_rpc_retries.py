"""Retries, deadlines and idempotency over a real gRPC server: calls safe to repeat are
retried on UNAVAILABLE (3 attempts), nothing else is; every call has a deadline; a mutation
retried after its answer was lost returns the first result, once."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from redis.asyncio import Redis
from rpc_faults import Faults, idempotency_keys

from hubbub.contexts.users import NewUser, UsersApi
from hubbub.contexts.users.rpc import SERVICE
from hubbub.contexts.users.wiring import users_channel
from hubbub.infra.cache import RedisCache
from hubbub.infra.rpc import ClientPolicy, metadata
from hubbub.infra.rpc.channels import service_config
from hubbub.kernel.errors import NotFound, Unavailable
from hubbub.kernel.ids import new_id
from hubbub.rpc_gen.users.v1 import users_pb2, users_pb2_grpc
from local_redis import SHARED_REDIS_URL
from rpc_servers import TEST_POLICY, users_client, users_server


async def test_a_read_is_retried_after_unavailable(users_api: UsersApi) -> None:
    alice = await users_api.create(new=NewUser(username="alice"))
    faults = Faults(rpcs={"GetUserByID"}, failures=2)

    async with (
        users_server(users_api, outer_interceptors=[faults]) as served,
        users_client(served.address) as users,
    ):
        found = await users.get(user_id=alice.id)

    assert found.id == alice.id
    assert len(faults.of("GetUserByID")) == 3  # two failures, then the answer


async def test_three_attempts_then_the_peer_is_unavailable(users_api: UsersApi) -> None:
    faults = Faults(rpcs={"GetUserByID"}, failures=10)

    async with (
        users_server(users_api, outer_interceptors=[faults]) as served,
        users_client(served.address) as users,
    ):
        with pytest.raises(Unavailable) as caught:
            await users.get(user_id=new_id())

    assert len(faults.of("GetUserByID")) == 3
    assert caught.value.status == 503


async def test_a_service_answer_is_never_retried(users_api: UsersApi) -> None:
    faults = Faults()

    async with (
        users_server(users_api, outer_interceptors=[faults]) as served,
        users_client(served.address) as users,
    ):
        with pytest.raises(NotFound):
            await users.get(user_id=new_id())

    assert len(faults.of("GetUserByID")) == 1


async def test_rpcs_not_declared_safe_are_not_retried(users_api: UsersApi) -> None:
    # The health service declares no idempotency level: the channel's policy leaves it alone.
    faults = Faults(rpcs={"Check"}, failures=1)

    async with users_server(users_api, outer_interceptors=[faults]) as served:
        channel = users_channel(served.address, policy=TEST_POLICY)
        health = health_pb2_grpc.HealthStub(channel)
        with pytest.raises(Unavailable):
            await health.Check(health_pb2.HealthCheckRequest(service=""))
        await channel.close()

    assert len(faults.of("Check")) == 1


async def test_every_call_carries_the_policys_deadline(users_api: UsersApi) -> None:
    faults = Faults()
    policy = ClientPolicy(deadline_seconds=3.0)

    async with (
        users_server(users_api, outer_interceptors=[faults]) as served,
        users_client(served.address, policy=policy) as users,
    ):
        await users.get_many(user_ids={new_id()})

    remaining = faults.of("BatchGetUsers")[0].time_remaining
    assert remaining is not None
    # Set by the policy (a call without one has no deadline); gRPC rounds the deadline it
    # sends, so the server may see a few milliseconds more than 3 s.
    assert 1.0 < remaining <= 3.05


async def test_a_slow_service_fails_at_the_deadline_not_later(users_api: UsersApi) -> None:
    faults = Faults(delay=10.0)
    policy = ClientPolicy(deadline_seconds=0.3)

    async with (
        users_server(users_api, outer_interceptors=[faults]) as served,
        users_client(served.address, policy=policy) as users,
    ):
        started = time.perf_counter()
        with pytest.raises(Unavailable) as caught:
            await users.get(user_id=new_id())
        elapsed = time.perf_counter() - started

    assert 0.25 < elapsed < 1.5
    assert caught.value.status == 503
    assert len(faults.attempts) == 1  # the deadline covers the retries too


async def test_a_mutation_whose_answer_was_lost_returns_the_first_result(
    users_api: UsersApi,
) -> None:
    faults = Faults(rpcs={"CreateUser"}, failures=1, after_service=True)

    async with (
        users_server(users_api, outer_interceptors=[faults]) as served,
        users_client(served.address) as users,
    ):
        created = await users.create(new=NewUser(username="alice"))

    attempts = faults.of("CreateUser")
    assert len(attempts) == 2  # the first ran, its answer was lost, the retry was answered
    first_key, retry_key = idempotency_keys(attempts)
    assert first_key is not None
    assert retry_key == first_key
    assert await users_api.find_login(username="alice", email=None) == created


async def test_without_an_idempotency_key_the_same_retry_is_a_conflict(
    users_api: UsersApi,
) -> None:
    # The control of the test above: the same lost answer, retried by a channel that sends
    # no idempotency key, meets the first attempt's user.
    faults = Faults(rpcs={"CreateUser"}, failures=1, after_service=True)

    async with (
        users_server(users_api, outer_interceptors=[faults]) as served,
        _bare_channel(served.address) as channel,
    ):
        stub = users_pb2_grpc.UsersServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.CreateUser(users_pb2.CreateUserRequest(username="alice"))

    assert caught.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert len(faults.of("CreateUser")) == 2


async def test_a_repeated_key_is_answered_once_even_when_concurrent(users_api: UsersApi) -> None:
    async with users_server(users_api) as served, _bare_channel(served.address) as channel:
        stub = users_pb2_grpc.UsersServiceStub(channel)
        key = ((metadata.IDEMPOTENCY_KEY, "create-alice-1"),)
        request = users_pb2.CreateUserRequest(username="alice")

        first, second = await asyncio.gather(
            stub.CreateUser(request, metadata=key), stub.CreateUser(request, metadata=key)
        )
        later = await stub.CreateUser(request, metadata=key)

    assert first == second == later
    found = await users_api.find_login(username="alice", email=None)
    assert found is not None
    assert found.id.hex == first.user.id.replace("-", "")


async def test_a_key_reused_for_another_request_is_refused(users_api: UsersApi) -> None:
    async with users_server(users_api) as served, _bare_channel(served.address) as channel:
        stub = users_pb2_grpc.UsersServiceStub(channel)
        key = ((metadata.IDEMPOTENCY_KEY, "create-1"),)
        await stub.CreateUser(users_pb2.CreateUserRequest(username="alice"), metadata=key)

        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await stub.CreateUser(users_pb2.CreateUserRequest(username="bob"), metadata=key)

    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    code = metadata.value_of(caught.value.trailing_metadata(), metadata.ERROR_CODE)
    assert code == "idempotency_key_reused"
    assert await users_api.find_login(username="bob", email=None) is None


async def test_calls_are_spread_over_every_listed_replica(users_api: UsersApi) -> None:
    first, second = Faults(), Faults()

    async with (
        users_server(users_api, outer_interceptors=[first]) as one,
        users_server(users_api, outer_interceptors=[second]) as two,
        users_client(f"127.0.0.1:{one.port},127.0.0.1:{two.port}") as users,
    ):
        for _ in range(40):
            with pytest.raises(NotFound):
                await users.get(user_id=new_id())

    assert len(first.attempts) + len(second.attempts) == 40
    assert first.attempts
    assert second.attempts


@asynccontextmanager
async def _bare_channel(address: str) -> AsyncIterator[grpc.aio.Channel]:
    """A channel with the retry policy but none of hubbub's interceptors (no keys)."""
    options = [
        ("grpc.enable_retries", 1),
        ("grpc.service_config", service_config([SERVICE])),
    ]
    channel = grpc.aio.insecure_channel(address, options=options)
    try:
        yield channel
    finally:
        await channel.close()


async def test_any_replica_answers_a_repeat_through_a_shared_cache(users_api: UsersApi) -> None:
    # Two replicas of the users service sharing Redis: a retry that lands on the other one
    # still gets the first answer.
    redis = Redis.from_url(SHARED_REDIS_URL)
    namespace = f"test-{new_id().hex[-12:]}"
    shared = RedisCache(redis, namespace=namespace)
    key = ((metadata.IDEMPOTENCY_KEY, "create-alice-2"),)
    request = users_pb2.CreateUserRequest(username="alice")
    try:
        async with (
            users_server(users_api, cache=shared) as one,
            users_server(users_api, cache=shared) as two,
            _bare_channel(one.address) as to_one,
            _bare_channel(two.address) as to_two,
        ):
            first = await users_pb2_grpc.UsersServiceStub(to_one).CreateUser(request, metadata=key)
            again = await users_pb2_grpc.UsersServiceStub(to_two).CreateUser(request, metadata=key)
    finally:
        stored = [k async for k in redis.scan_iter(match=f"{namespace}:*")]
        if stored:
            await redis.delete(*stored)
        await redis.aclose()

    assert again == first
    assert len(stored) == 1  # the first answer, kept for the replicas
