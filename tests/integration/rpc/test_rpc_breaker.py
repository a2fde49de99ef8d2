"""The circuit breaker per peer, against a users service that goes away and comes back:
after repeated failures calls fail at once (503, no network), and the circuit closes by
itself once the service answers again."""

import asyncio
import time

import pytest
from rpc_faults import Faults

from hubbub.contexts.users import UsersApi
from hubbub.infra.rpc import ClientPolicy
from hubbub.kernel.errors import NotFound, Unavailable
from hubbub.kernel.ids import new_id
from local_redis import free_port
from rpc_servers import users_client, users_server

POLICY = ClientPolicy(deadline_seconds=2.0, breaker_threshold=3, breaker_recovery_seconds=0.5)


async def test_the_circuit_opens_on_a_dead_peer_and_closes_when_it_is_back(
    users_api: UsersApi,
) -> None:
    port = free_port()
    async with users_client(f"127.0.0.1:{port}", policy=POLICY) as users:
        for _ in range(POLICY.breaker_threshold):  # nobody listens: each call fails (retried)
            with pytest.raises(Unavailable):
                await users.get(user_id=new_id())

        started = time.perf_counter()
        with pytest.raises(Unavailable) as caught:
            await users.get(user_id=new_id())
        assert time.perf_counter() - started < 0.5  # open: refused here, no attempt at all
        assert "last 3 calls failed" in caught.value.message
        assert caught.value.status == 503

        faults = Faults()
        async with users_server(users_api, port=port, outer_interceptors=[faults]):
            await _until_answered(users, within=10.0)
            for _ in range(5):  # closed again: every call goes through
                with pytest.raises(NotFound):
                    await users.get(user_id=new_id())

    assert len(faults.of("GetUserByID")) >= 6


async def test_answers_of_the_service_never_open_the_circuit(users_api: UsersApi) -> None:
    async with (
        users_server(users_api) as served,
        users_client(served.address, policy=POLICY) as users,
    ):
        for _ in range(3 * POLICY.breaker_threshold):
            with pytest.raises(NotFound):
                await users.get(user_id=new_id())


async def test_a_peer_that_keeps_failing_opens_the_circuit(users_api: UsersApi) -> None:
    faults = Faults(rpcs={"GetUserByID"}, failures=1000)

    async with (
        users_server(users_api, outer_interceptors=[faults]) as served,
        users_client(served.address, policy=POLICY) as users,
    ):
        for _ in range(POLICY.breaker_threshold + 2):
            with pytest.raises(Unavailable):
                await users.get(user_id=new_id())

    # 3 calls of 3 attempts each reached the server; the others were refused by the circuit
    assert len(faults.of("GetUserByID")) == POLICY.breaker_threshold * 3


async def _until_answered(users: UsersApi, *, within: float) -> None:
    """Calls until the service answers (the circuit's trial call succeeds)."""
    deadline = time.monotonic() + within
    while True:
        try:
            await users.get(user_id=new_id())
        except NotFound:
            return
        except Unavailable:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
