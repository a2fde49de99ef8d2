"""What operators see across the hop: the caller's request id and user id in the service's
logs, durations on both sides, the standard health service and reflection on every server,
and a graceful stop that finishes the calls in flight."""

import asyncio

import grpc
import pytest
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from prometheus_client import REGISTRY
from rpc_faults import Faults
from structlog.testing import capture_logs

from hubbub.contexts.users import NewUser, UsersApi
from hubbub.contexts.users.wiring import users_channel
from hubbub.kernel.errors import NotFound, Unavailable
from hubbub.kernel.ids import new_id
from rpc_servers import TEST_POLICY, users_client, users_server

USERS = "hubbub.users.v1.UsersService"
DURATION = "hubbub_grpc_request_duration_seconds_count"


def _calls(side: str, method: str, code: str) -> float:
    labels = {"side": side, "service": USERS, "method": method, "code": code}
    return REGISTRY.get_sample_value(DURATION, labels) or 0.0


async def test_the_callers_ids_are_in_the_services_logs(users_api: UsersApi) -> None:
    alice = await users_api.create(new=NewUser(username="alice"))

    async with users_server(users_api) as served, users_client(served.address) as users:
        with (
            capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs,
            structlog.contextvars.bound_contextvars(request_id="req-42", user_id=str(alice.id)),
        ):
            await users.get(user_id=alice.id)

    [served_line] = [line for line in logs if line["event"] == "rpc_served"]
    assert served_line["request_id"] == "req-42"
    assert served_line["user_id"] == str(alice.id)
    assert served_line["rpc"] == f"{USERS}/GetUserByID"
    assert served_line["status"] == "OK"
    assert served_line["duration_ms"] >= 0


async def test_a_failed_call_is_logged_on_both_sides_with_the_same_ids(
    users_api: UsersApi,
) -> None:
    faults = Faults(rpcs={"GetUserByID"}, failures=10)

    async with (
        users_server(users_api, outer_interceptors=[faults]) as served,
        users_client(served.address) as users,
    ):
        with (
            capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs,
            structlog.contextvars.bound_contextvars(request_id="req-43"),
            pytest.raises(Unavailable),
        ):
            await users.get(user_id=new_id())

    [client_line] = [line for line in logs if line["event"] == "rpc_call_failed"]
    assert (client_line["request_id"], client_line["peer"]) == ("req-43", "users")
    assert (client_line["rpc"], client_line["status"]) == ("GetUserByID", "UNAVAILABLE")
    # the service saw the three attempts (none got past the injected failure)
    assert len(faults.of("GetUserByID")) == 3
    assert {a.metadata["x-request-id"] for a in faults.of("GetUserByID")} == {"req-43"}


async def test_calls_without_a_request_get_one_shared_by_both_sides(users_api: UsersApi) -> None:
    faults = Faults()

    async with (
        users_server(users_api, outer_interceptors=[faults]) as served,
        users_client(served.address) as users,
    ):
        with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
            await users.get_many(user_ids={new_id()})

    [served_line] = [line for line in logs if line["event"] == "rpc_served"]
    sent = faults.attempts[0].metadata["x-request-id"]
    assert len(sent) == 32
    assert served_line["request_id"] == sent
    assert "user_id" not in served_line


async def test_durations_are_recorded_on_both_sides_by_status(users_api: UsersApi) -> None:
    alice = await users_api.create(new=NewUser(username="alice"))
    before = {
        (side, code): _calls(side, "GetUserByID", code)
        for side in ("client", "server")
        for code in ("OK", "NOT_FOUND")
    }

    async with users_server(users_api) as served, users_client(served.address) as users:
        await users.get(user_id=alice.id)
        await users.get(user_id=alice.id)
        with pytest.raises(NotFound):
            await users.get(user_id=new_id())

    for side in ("client", "server"):
        assert _calls(side, "GetUserByID", "OK") == before[side, "OK"] + 2
        assert _calls(side, "GetUserByID", "NOT_FOUND") == before[side, "NOT_FOUND"] + 1


async def test_health_and_reflection_answer(users_api: UsersApi) -> None:
    async with users_server(users_api) as served:
        channel = users_channel(served.address, policy=TEST_POLICY)
        health = health_pb2_grpc.HealthStub(channel)
        for service in ("", USERS):
            answer = await health.Check(health_pb2.HealthCheckRequest(service=service))
            assert answer.status == health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(NotFound):  # the standard answer for a service not served here
            await health.Check(health_pb2.HealthCheckRequest(service="hubbub.nope.v1.Nope"))

        reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
        listed, described = await _reflect(
            reflection,
            reflection_pb2.ServerReflectionRequest(list_services=""),
            reflection_pb2.ServerReflectionRequest(file_containing_symbol=USERS),
        )
        await channel.close()

    names = {s.name for s in listed.list_services_response.service}
    assert {USERS, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= names
    assert described.file_descriptor_response.file_descriptor_proto  # the users.proto, serialized


async def test_a_graceful_stop_says_not_serving_and_finishes_calls_in_flight(
    users_api: UsersApi,
) -> None:
    alice = await users_api.create(new=NewUser(username="alice"))
    faults = Faults(delay=0.5)

    async with users_server(users_api, outer_interceptors=[faults]) as served:
        channel = users_channel(served.address, policy=TEST_POLICY)
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest(service=""))
        assert (await watch.read()).status == health_pb2.HealthCheckResponse.SERVING
        async with users_client(served.address) as users:
            in_flight = asyncio.create_task(users.get(user_id=alice.id))
            await faults.arrived.wait()
            stopping = asyncio.create_task(served.server.stop(5.0))

            assert (await watch.read()).status == health_pb2.HealthCheckResponse.NOT_SERVING
            watch.cancel()
            assert (await in_flight).id == alice.id
            await stopping
        await channel.close()


async def _reflect(
    stub: reflection_pb2_grpc.ServerReflectionStub,
    *requests: reflection_pb2.ServerReflectionRequest,
) -> list[reflection_pb2.ServerReflectionResponse]:
    call = stub.ServerReflectionInfo(iter(requests))
    answers = [answer async for answer in call]
    assert await call.code() == grpc.StatusCode.OK
    return answers
