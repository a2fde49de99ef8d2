"""compose.scaled.yaml brought up for real with podman-compose on the image of this checkout
(and local stand-ins for the public images): two people on two gateways chat over WebSocket,
the assistant answers through the Kafka-compatible broker, Prometheus scrapes every process,
a file uploaded on one gateway downloads from the other, the indexer makes messages searchable,
a diary entry written on one gateway gets its mood from the `mood` role and reads back on the
other, then everything stops gracefully and goes away.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from deploy_compose import NOT_RUN_HERE, ComposeStack

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
from e2e_api import API, bearer, bind, direct_chat, expect, http_client, new_user
from e2e_ws import open_ws

pytestmark = [pytest.mark.containers, pytest.mark.timeout(1500)]

ANSWER_WAIT = 45.0  # the assistant's first answer: the model loads, the consumer group settles


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, hubbub_image: str, local_images: dict[str, str]
) -> Iterator[ComposeStack]:
    running = ComposeStack.prepare(tmp_path_factory.mktemp("compose"), hubbub_image, local_images)
    try:
        running.up()
        yield running
    finally:
        if running.leftovers():
            running.down()


def test_every_service_runs_and_passes_its_health_check(stack: ComposeStack) -> None:
    expected = set(stack.services()) - NOT_RUN_HERE - {"migrate"}
    assert stack.running() == expected
    ready = httpx.get(f"{stack.url('HUBBUB')}/readyz", timeout=5).json()
    # A gateway checks what it stands on and each gRPC service it calls (HUBBUB_PEERS_*).
    assert ready == {
        "status": "ok",
        "checks": {
            "database": "ok",
            "redis": "ok",
            "fanout": "ok",
            "peer_auth": "ok",
            "peer_users": "ok",
            "peer_chats": "ok",
        },
    }


async def test_two_people_chat_across_two_gateways(stack: ComposeStack) -> None:
    one, two = stack.url("GATEWAY_1"), stack.url("GATEWAY_2")
    async with http_client(one) as http_one, http_client(two) as http_two:
        alice, alice_token = await new_user(http_one, "compose")
        bob, bob_token = await new_user(http_two, "compose")
        chat = (await direct_chat(http_one, alice_token, bob["id"]))["id"]
        async with (
            open_ws(one.replace("http", "ws"), alice_token) as alice_ws,
            open_ws(two.replace("http", "ws"), bob_token) as bob_ws,
        ):
            await alice_ws.send(
                {"type": "message", "chat_id": chat, "text": "hi Bob", "request_id": "a1"}
            )
            await alice_ws.recv("message_sent", request_id="a1")
            heard = await bob_ws.recv("new_message")
            assert (heard["message"]["text"], heard["message"]["sender_id"]) == (
                "hi Bob",
                alice["id"],
            )
            await bob_ws.send(
                {"type": "message", "chat_id": chat, "text": "hi Alice", "request_id": "b1"}
            )
            assert (await alice_ws.recv("new_message"))["message"]["text"] == "hi Alice"

    # The load balancer serves the same system (REST and the web client).
    async with http_client(stack.url("HUBBUB")) as http:
        history = expect(
            await http.get(f"{API}/chats/{chat}/messages", headers=bearer(bob_token)), 200
        )["messages"]
        assert [m["text"] for m in history] == ["hi Bob", "hi Alice"]
        assert (await http.get("/")).status_code == 200
        assert (await http.get("/metrics")).status_code == 404  # not published to clients


# A 2x2 red PNG (written by Pillow).
PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73000000164944415478"
    "9c633c2127c7c0c0c0c4c0c0c0c0c000000d0401087d71ca660000000049454e44ae426082"
)


async def test_a_file_shared_on_one_gateway_downloads_from_the_other_and_search_finds(
    stack: ComposeStack,
) -> None:
    """Uploads live in one store for every gateway; the indexer role feeds search."""
    one, two = stack.url("GATEWAY_1"), stack.url("GATEWAY_2")
    async with http_client(one) as http_one, http_client(two) as http_two:
        _alice, alice_token = await new_user(http_one, "compose")
        bob, bob_token = await new_user(http_two, "compose")
        chat = (await direct_chat(http_one, alice_token, bob["id"]))["id"]
        upload = await http_one.post(
            f"{API}/chats/{chat}/files",
            headers=bearer(alice_token),
            files={"file": ("pixel.png", PIXEL, "image/png")},
        )
        sent_file = expect(upload, 201)
        body = {"text": "the quarterly meetings photo", "file_ids": [sent_file["id"]]}
        expect(
            await http_one.post(
                f"{API}/chats/{chat}/messages", json=body, headers=bearer(alice_token)
            ),
            201,
        )
        [seen] = expect(
            await http_two.get(f"{API}/chats/{chat}/messages", headers=bearer(bob_token)), 200
        )["messages"]
        [shared] = seen["files"]
        download = await http_two.get(shared["url"])
        assert (download.status_code, download.content) == (200, PIXEL)

        deadline = time.monotonic() + 30
        while True:  # indexed from the bus by the indexer role, within moments
            found = expect(
                await http_two.get(
                    f"{API}/search/messages", params={"q": "meeting"}, headers=bearer(bob_token)
                ),
                200,
            )["results"]
            if found:
                break
            assert time.monotonic() < deadline, "the indexer never indexed the message"
            await asyncio.sleep(1)
        assert "<mark>" in found[0]["highlight"]


async def test_a_diary_entry_gets_its_mood_from_the_mood_role(stack: ComposeStack) -> None:
    """Written on one gateway, analysed by the `mood` process from the broker, read on the other."""
    one, two = stack.url("GATEWAY_1"), stack.url("GATEWAY_2")
    async with http_client(one) as http_one, http_client(two) as http_two:
        _me, token = await new_user(http_one, "compose")
        text = "What a wonderful day: I passed the exam and we celebrated with friends!"
        entry = expect(
            await http_one.post(f"{API}/diary/entries", json={"text": text}, headers=bearer(token)),
            201,
        )
        deadline = time.monotonic() + ANSWER_WAIT
        while True:  # the mood role loads its model, then analyses within seconds
            seen = expect(
                await http_two.get(f"{API}/diary/entries/{entry['id']}", headers=bearer(token)),
                200,
            )
            if seen["mood"] is not None:
                break
            assert time.monotonic() < deadline, "the mood role never analysed the entry"
            await asyncio.sleep(1)
        assert seen["text"] == text
        assert seen["mood"]["valence"] > 0, seen["mood"]
        assert seen["mood"]["model"]


async def test_the_assistant_answers_through_the_broker(stack: ComposeStack) -> None:
    lb = stack.url("HUBBUB")
    async with http_client(lb) as http:
        _alice, alice_token = await new_user(http, "compose")
        bob, bob_token = await new_user(http, "compose")
        chat = (await direct_chat(http, alice_token, bob["id"]))["id"]
        await bind(http, bob_token, chat, "autoreply")
        async with open_ws(lb.replace("http", "ws"), alice_token) as alice_ws:
            await alice_ws.send(
                {
                    "type": "message",
                    "chat_id": chat,
                    "text": "Thank you so much for your help yesterday!",
                    "request_id": "a1",
                }
            )
            await alice_ws.recv("message_sent", request_id="a1")
            reply = (await alice_ws.recv("new_message", wait=ANSWER_WAIT))["message"]
            assert (reply["sender_id"], reply["ai_generated"]) == (bob["id"], True)


async def test_prometheus_scrapes_every_process_of_the_stack(stack: ComposeStack) -> None:
    prometheus = stack.url("PROMETHEUS")
    roles = {s for s in stack.services() if stack.is_hubbub_role(s)}
    async with httpx.AsyncClient(base_url=prometheus, timeout=5) as http:

        async def query(expr: str) -> list[dict[str, object]]:
            body = expect(await http.get("/api/v1/query", params={"query": expr}), 200)
            result: list[dict[str, object]] = body["data"]["result"]
            return result

        deadline = time.monotonic() + 90
        while True:
            up = await query('up{job="hubbub"} == 1')
            sent = await query("sum(hubbub_messages_sent_total)")
            answered = await query('sum by (role) (hubbub_assistant_jobs_total{outcome="done"})')
            scraped = {str(s["metric"]["instance"]).split(":")[0] for s in up}  # type: ignore[index]
            stored = float(sent[0]["value"][1]) if sent else 0.0  # type: ignore[index]
            answered_by = {s["metric"]["role"] for s in answered}  # type: ignore[index]
            if scraped == roles and stored >= 3 and answered_by == {"assistant"}:
                break
            assert time.monotonic() < deadline, (scraped, roles, stored, answered_by)
            await asyncio.sleep(2)
        rules = expect(await http.get("/api/v1/rules"), 200)["data"]["groups"]
        assert rules, "the alert rules (deploy/prometheus/alerts.yml) are loaded"


def test_the_stack_stops_gracefully_and_goes_away(stack: ComposeStack) -> None:
    roles = [s for s in stack.services() if stack.is_hubbub_role(s)]
    codes = stack.stop_gracefully(roles)
    assert codes == dict.fromkeys(roles, 0), {r: stack.logs(r) for r in roles if codes[r]}
    stack.down()
    assert stack.leftovers() == []
