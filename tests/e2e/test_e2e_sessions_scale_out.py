"""Sessions scaled out: two gateways and a relay on PostgreSQL and Redis. A session ended on
one gateway is refused on the other at once (its cached answer dropped by the fan-out's
notice) and its sockets close there with 4401; a deleted account is erased by the relay's
consumers and shows as deleted on every gateway."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from e2e_api import (
    API,
    PASSWORD,
    assert_error,
    bearer,
    direct_chat,
    expect,
    http_client,
    login,
    new_users,
    post_message,
)
from e2e_cluster import Cluster, running_cluster
from e2e_ws import open_ws

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("sessions-cluster"), gateways=2) as running:
        yield running


async def test_logout_on_one_gateway_ends_the_session_on_the_other(cluster: Cluster) -> None:
    gateway_a, gateway_b = cluster.gateways
    async with http_client(gateway_a.base_url) as http_a, http_client(gateway_b.base_url) as http_b:
        [(me, token)] = await new_users(http_a, 1)
        other = (await login(http_a, me["username"]))["token"]
        # Gateway B has the session in its caches (local and Redis) before it ends.
        for _ in range(3):
            expect(await http_b.get(f"{API}/users/me", headers=bearer(token)), 200)
        async with (
            open_ws(gateway_b.ws_url, token) as ws_b,
            open_ws(gateway_b.ws_url, other) as keep,
        ):
            await ws_b.roundtrip()
            expect(await http_a.post(f"{API}/auth/logout", headers=bearer(token)), 204)
            assert await ws_b.wait_closed() == 4401
            await keep.roundtrip()
        error = assert_error(await http_b.get(f"{API}/users/me", headers=bearer(token)), 401)
        assert error["code"] == "session_ended"
        expect(await http_b.get(f"{API}/users/me", headers=bearer(other)), 200)


async def test_a_deleted_account_is_erased_for_every_gateway(cluster: Cluster) -> None:
    gateway_a, gateway_b = cluster.gateways
    async with http_client(gateway_a.base_url) as http_a, http_client(gateway_b.base_url) as http_b:
        (_, gone_token), (friend, friend_token) = await new_users(http_a, 2)
        chat = await direct_chat(http_a, gone_token, friend["id"])
        await post_message(http_a, gone_token, chat["id"], "bye")
        async with open_ws(gateway_b.ws_url, gone_token) as ws_b:
            await ws_b.roundtrip()
            resp = await http_a.request(
                "DELETE", f"{API}/users/me", json={"password": PASSWORD}, headers=bearer(gone_token)
            )
            expect(resp, 204)
            assert await ws_b.wait_closed() == 4401
        assert_error(await http_b.get(f"{API}/chats", headers=bearer(gone_token)), 401)
        partner: dict[str, Any] = {}
        for _ in range(100):  # the relay's consumers erase within moments
            view = expect(
                await http_b.get(f"{API}/chats/{chat['id']}", headers=bearer(friend_token)), 200
            )
            partner = view["partner"]
            if partner["deleted"]:
                break
            await asyncio.sleep(0.1)
        assert partner["deleted"] is True and partner["display_name"] == "Deleted account"
        assert view["members_count"] == 1
        history = expect(
            await http_b.get(f"{API}/chats/{chat['id']}/messages", headers=bearer(friend_token)),
            200,
        )
        assert [m["text"] for m in history["messages"]] == ["bye"]
