"""The assistant scaled out: gateways, a relay and an `assistant` worker on PostgreSQL and
Redis (state, fan-out, Streams bus). Advice and autoreplies made in the worker reach users
connected to any gateway."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from e2e_api import API, bearer, bind, direct_chat, expect, http_client, new_user
from e2e_cluster import Cluster, running_cluster
from e2e_ws import open_ws

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]

ANSWER_WAIT = 30.0  # the worker's model loads in the background at start-up


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(
        tmp_path_factory.mktemp("ai-cluster"), gateways=2, assistants=1
    ) as running:
        yield running


async def test_the_assistant_worker_answers_users_on_any_gateway(cluster: Cluster) -> None:
    one, two = cluster.gateways
    async with http_client(one.base_url) as http_one, http_client(two.base_url) as http_two:
        alice, alice_token = await new_user(http_one, "ai")
        bob, bob_token = await new_user(http_two, "ai")
        chat = (await direct_chat(http_one, alice_token, bob["id"]))["id"]
        await bind(http_one, alice_token, chat, "advice")
        await bind(http_two, bob_token, chat, "autoreply")
        async with (
            open_ws(one.ws_url, alice_token) as alice_ws,
            open_ws(two.ws_url, bob_token) as bob_ws,
        ):
            await alice_ws.send(
                {
                    "type": "message",
                    "chat_id": chat,
                    "text": "Thank you so much for your help!",
                    "request_id": "a1",
                }
            )
            await alice_ws.recv("message_sent", request_id="a1")
            reply = (await alice_ws.recv("new_message", wait=ANSWER_WAIT))["message"]
            assert (reply["sender_id"], reply["ai_generated"]) == (bob["id"], True)

            await bob_ws.send(
                {
                    "type": "message",
                    "chat_id": chat,
                    "text": "Sorry, running 15 minutes late",
                    "request_id": "b1",
                }
            )
            sent = await bob_ws.recv("message_sent", request_id="b1")
            advice = await alice_ws.recv("ai_advice", wait=ANSWER_WAIT)
            assert advice["in_reply_to"] == sent["message_id"]
            await bob_ws.expect_nothing("ai_advice", within=1.0)

        history = expect(
            await http_two.get(f"{API}/chats/{chat}/messages", headers=bearer(bob_token)), 200
        )["messages"]
        assert [(m["sender_id"], m["ai_generated"]) for m in history] == [
            (alice["id"], False),
            (bob["id"], True),
            (bob["id"], False),
        ]


async def test_the_assistant_role_reports_its_dependencies(cluster: Cluster) -> None:
    [worker] = cluster.assistants
    async with httpx.AsyncClient(timeout=5) as http:
        ready = expect(await http.get(f"{worker.base_url}/readyz"), 200)
        no_api = await http.get(f"{worker.base_url}{API}/users/me")
    assert ready["checks"] == {
        "database": "ok",
        "redis": "ok",
        "fanout": "ok",
        "bus": "ok",
        "assistant_model": "ok",  # loaded and exercised before the worker is ready
    }
    assert no_api.status_code == 404  # an assistant serves no clients
