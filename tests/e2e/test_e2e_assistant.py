"""The AI assistant over the real app and WebSocket, on the offline default model: advice
reaches only its owner, autoreplies are normal messages marked `ai_generated`, bindings
never loop, and a model that is down or out of budget never hurts the chat."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e_api import (
    API,
    Json,
    all_messages,
    assert_error,
    assert_timestamp,
    assert_uuid,
    bearer,
    bind,
    direct_chat,
    expect,
    http_client,
    new_user,
)
from e2e_server import ServerProcess, free_port, running_server
from e2e_ws import WsConnect, open_ws

# The offline model loads in the background at start-up: the first job may wait for it.
FIRST_ANSWER_WAIT = 30.0
ANSWER_WAIT = 10.0


async def pair(http: httpx.AsyncClient) -> tuple[Json, str, Json, str, str]:
    """Two new users and their direct chat: (a, a_token, b, b_token, chat_id)."""
    a, a_token = await new_user(http, "ai")
    b, b_token = await new_user(http, "ai")
    chat = await direct_chat(http, a_token, b["id"])
    return a, a_token, b, b_token, chat["id"]


async def wait_for(check: object, *, within: float, every: float = 0.2) -> None:
    """Poll the async predicate `check` until it holds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(every)
    raise AssertionError(f"not true within {within}s")


async def test_bindings_are_created_listed_and_deleted(http: httpx.AsyncClient) -> None:
    a, a_token, _, b_token, chat = await pair(http)
    binding = await bind(http, a_token, chat, "advice")

    assert_uuid(binding["id"], 7) and assert_uuid(binding["thread_id"], 7)
    assert (binding["chat_id"], binding["user_id"], binding["type"]) == (chat, a["id"], "advice")
    assert_timestamp(binding["created_at"])
    listed = expect(await http.get(f"{API}/chats/{chat}/ai-bindings", headers=bearer(a_token)), 200)
    assert listed == {"bindings": [binding]}
    theirs = expect(await http.get(f"{API}/chats/{chat}/ai-bindings", headers=bearer(b_token)), 200)
    assert theirs == {"bindings": []}

    url = f"{API}/chats/{chat}/ai-bindings/{binding['id']}"
    assert_error(await http.delete(url, headers=bearer(b_token)), 404)  # not bob's to delete
    expect(await http.delete(url, headers=bearer(a_token)), 204)
    assert_error(await http.delete(url, headers=bearer(a_token)), 404)


async def test_bad_bindings_are_refused_and_change_nothing(http: httpx.AsyncClient) -> None:
    _, a_token, _, _, chat = await pair(http)
    _, outsider = await new_user(http, "ai")
    url = f"{API}/chats/{chat}/ai-bindings"

    assert_error(await http.post(url, json={"type": "advice"}, headers=bearer(outsider)), 403)
    assert_error(
        await http.post(url, json={"type": "oracle"}, headers=bearer(a_token)), 422, field="type"
    )
    assert_error(await http.post(url, json={}, headers=bearer(a_token)), 422, field="type")
    assert_error(
        await http.post(url, json={"type": "advice", "x": 1}, headers=bearer(a_token)), 422
    )
    unknown = f"{API}/chats/{uuid.uuid4()}/ai-bindings"
    assert_error(await http.post(unknown, json={"type": "advice"}, headers=bearer(a_token)), 404)
    assert expect(await http.get(url, headers=bearer(a_token)), 200) == {"bindings": []}

    await bind(http, a_token, chat, "advice")
    assert_error(await http.post(url, json={"type": "advice"}, headers=bearer(a_token)), 409)


async def test_advice_reaches_only_its_owner(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    _, a_token, b, b_token, chat = await pair(http)
    await bind(http, a_token, chat, "advice")
    a_ws, a_phone, b_ws = (
        await ws_connect(a_token),
        await ws_connect(a_token),
        await ws_connect(b_token),
    )
    await b_ws.send(
        {
            "type": "message",
            "chat_id": chat,
            "text": "Sorry, running 15 minutes late",
            "request_id": "r1",
        }
    )
    sent = await b_ws.recv("message_sent", request_id="r1")

    advice = await a_ws.recv("ai_advice", wait=FIRST_ANSWER_WAIT, chat_id=chat)
    assert advice["in_reply_to"] == sent["message_id"]
    assert advice["text"] and advice["suggested_reply"]
    assert_uuid(advice["advice_id"], 7) and assert_timestamp(advice["created_at"])
    await a_phone.recv("ai_advice", advice_id=advice["advice_id"])  # every device of the owner
    await b_ws.expect_nothing("ai_advice", within=1.0)

    listed = expect(await http.get(f"{API}/chats/{chat}/advice", headers=bearer(a_token)), 200)
    assert [item["id"] for item in listed["advice"]] == [advice["advice_id"]]
    assert listed["has_previous"] is False
    assert (
        expect(await http.get(f"{API}/chats/{chat}/advice", headers=bearer(b_token)), 200)["advice"]
        == []
    )
    # The sender's own history is just the human message: advice is never a message.
    assert [m["id"] for m in await all_messages(http, b_token, chat)] == [sent["message_id"]]
    assert b["id"]


async def test_advice_on_demand_by_rest_and_by_frame(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    _, a_token, _, b_token, chat = await pair(http)
    a_ws = await ws_connect(a_token)
    url = f"{API}/chats/{chat}/advice"
    assert_error(await http.post(url, headers=bearer(a_token)), 409)  # no advice binding yet
    await a_ws.send({"type": "advice_request", "chat_id": chat})
    refused = await a_ws.recv("error")
    assert refused["code"] == "no_advice_binding"

    await bind(http, a_token, chat, "advice")
    await http.post(
        f"{API}/chats/{chat}/messages",
        json={"text": "Where are we meeting?"},
        headers=bearer(b_token),
    )
    queued = expect(await http.post(url, headers=bearer(a_token)), 202)
    assert_uuid(queued["job_id"], 7)
    first = await a_ws.recv("ai_advice", wait=FIRST_ANSWER_WAIT, chat_id=chat)
    await a_ws.send({"type": "advice_request", "chat_id": chat})
    second = await a_ws.recv("ai_advice", wait=ANSWER_WAIT, chat_id=chat)
    assert first["advice_id"] != second["advice_id"]
    assert_error(await http.post(url, headers=bearer((await new_user(http))[1])), 403)


async def test_an_autoreply_appears_in_history_for_both(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    a, a_token, b, b_token, chat = await pair(http)
    await bind(http, a_token, chat, "autoreply")
    a_ws, b_ws = await ws_connect(a_token), await ws_connect(b_token)
    await b_ws.send(
        {
            "type": "message",
            "chat_id": chat,
            "text": "Thank you so much for your help!",
            "request_id": "t1",
        }
    )
    await b_ws.recv("message_sent", request_id="t1")

    reply = (await b_ws.recv("new_message", wait=FIRST_ANSWER_WAIT))["message"]
    assert (reply["sender_id"], reply["ai_generated"], reply["seq"]) == (a["id"], True, 2)
    incoming = await a_ws.recv("new_message", wait=ANSWER_WAIT)
    assert incoming["message"]["sender_id"] == b["id"]
    # The owner's own devices see the reply sent in their name too.
    own = await a_ws.recv("new_message", wait=ANSWER_WAIT)
    assert own["message"]["id"] == reply["id"]
    for token in (a_token, b_token):
        history = await all_messages(http, token, chat)
        assert [(m["sender_id"], m["ai_generated"]) for m in history] == [
            (b["id"], False),
            (a["id"], True),
        ]
    chats = expect(await http.get(f"{API}/chats", headers=bearer(b_token)), 200)["chats"]
    assert chats[0]["last_message"]["ai_generated"] is True


async def test_two_autoreply_bindings_give_one_ai_message_per_human_message(
    http: httpx.AsyncClient,
) -> None:
    _, a_token, _, b_token, chat = await pair(http)
    await bind(http, a_token, chat, "autoreply")
    await bind(http, b_token, chat, "autoreply")
    for text in (
        "Hi there!",
        "Thanks a lot, really appreciate it",
        "Sorry, running 15 minutes late",
    ):
        await http.post(
            f"{API}/chats/{chat}/messages", json={"text": text}, headers=bearer(a_token)
        )

    async def three_replies() -> bool:
        history = await all_messages(http, a_token, chat)
        return sum(m["ai_generated"] for m in history) >= 3

    await wait_for(three_replies, within=FIRST_ANSWER_WAIT)
    await asyncio.sleep(2.0)  # long enough for a loop to show itself
    history = await all_messages(http, a_token, chat)
    assert [m["ai_generated"] for m in history] == [False] * 3 + [True] * 3


async def test_deleting_a_binding_stops_its_replies(http: httpx.AsyncClient) -> None:
    _, a_token, _, b_token, chat = await pair(http)
    binding = await bind(http, a_token, chat, "autoreply")
    say = {"text": "Thank you so much for your help!"}
    await http.post(f"{API}/chats/{chat}/messages", json=say, headers=bearer(b_token))

    async def answered() -> bool:
        return len(await all_messages(http, b_token, chat)) == 2

    await wait_for(answered, within=FIRST_ANSWER_WAIT)
    expect(
        await http.delete(
            f"{API}/chats/{chat}/ai-bindings/{binding['id']}", headers=bearer(a_token)
        ),
        204,
    )
    await http.post(f"{API}/chats/{chat}/messages", json=say, headers=bearer(b_token))
    await asyncio.sleep(3.0)
    assert [m["ai_generated"] for m in await all_messages(http, b_token, chat)] == [
        False,
        True,
        False,
    ]


async def test_advice_usually_arrives_within_two_seconds(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    _, a_token, _, b_token, chat = await pair(http)
    await bind(http, a_token, chat, "advice")
    a_ws, b_ws = await ws_connect(a_token), await ws_connect(b_token)
    lines = [
        "Sorry, running 15 minutes late",
        "Thanks so much, you really helped me out",
        "Where are we meeting?",
        "We need to cancel tomorrow's meeting",
        "I got the job!!!",
        "Happy birthday my friend!",
    ]
    waits = []
    for n, text in enumerate(lines):
        started = time.monotonic()
        await b_ws.send({"type": "message", "chat_id": chat, "text": text, "request_id": f"l{n}"})
        sent = await b_ws.recv("message_sent", request_id=f"l{n}")
        await a_ws.recv("ai_advice", wait=FIRST_ANSWER_WAIT, in_reply_to=sent["message_id"])
        waits.append(time.monotonic() - started)

    assert statistics.median(waits[1:]) < 2.0, waits  # the first may wait for the model


@pytest.fixture
def unreachable_model(tmp_path: Path) -> Iterator[ServerProcess]:
    """A server whose assistant is an OpenAI-compatible endpoint that nobody serves."""
    env = {
        "HUBBUB_AI_PROVIDER": "openai",
        "HUBBUB_AI_BASE_URL": f"http://127.0.0.1:{free_port()}/v1",
        "HUBBUB_AI_MODEL": "nobody-home",
        "HUBBUB_AI_TIMEOUT_SECONDS": "1",
    }
    with running_server(tmp_path / "data", env=env) as server:
        yield server


async def test_a_model_that_is_down_never_hurts_the_chat(unreachable_model: ServerProcess) -> None:
    async with http_client(unreachable_model.base_url) as http:
        _, a_token, _, b_token, chat = await pair(http)
        await bind(http, a_token, chat, "autoreply")
        async with (
            open_ws(unreachable_model.ws_url, a_token) as a_ws,
            open_ws(unreachable_model.ws_url, b_token) as b_ws,
        ):
            started = time.monotonic()
            await b_ws.send(
                {"type": "message", "chat_id": chat, "text": "Hello?", "request_id": "h"}
            )
            await b_ws.recv("message_sent", request_id="h")
            assert time.monotonic() - started < 1.0  # the sender never waits for the model
            await a_ws.recv("new_message")
            told = await a_ws.recv("error", wait=FIRST_ANSWER_WAIT, code="ai_unavailable")
            assert told["chat_id"] == chat
            await b_ws.send(
                {"type": "message", "chat_id": chat, "text": "Still works", "request_id": "s"}
            )
            await b_ws.recv("message_sent", request_id="s")

        assert [m["text"] for m in await all_messages(http, b_token, chat)] == [
            "Hello?",
            "Still works",
        ]
        metrics = (await http.get("/metrics")).text
        assert 'hubbub_assistant_jobs_total{kind="autoreply",outcome="failed"}' in metrics
        assert 'hubbub_assistant_provider_calls_total{outcome="error",provider="openai"}' in metrics


@pytest.fixture
def one_call_a_minute(tmp_path: Path) -> Iterator[ServerProcess]:
    with running_server(tmp_path / "data", env={"HUBBUB_AI_CALLS_PER_MINUTE": "1"}) as server:
        yield server


async def test_the_assistant_budget_is_reported_not_silent(
    one_call_a_minute: ServerProcess,
) -> None:
    async with http_client(one_call_a_minute.base_url) as http:
        _, a_token, _, b_token, chat = await pair(http)
        await bind(http, a_token, chat, "advice")
        async with open_ws(one_call_a_minute.ws_url, a_token) as a_ws:
            for text in ("Sorry, running 15 minutes late", "Where are we meeting?"):
                await http.post(
                    f"{API}/chats/{chat}/messages", json={"text": text}, headers=bearer(b_token)
                )
            await a_ws.recv("ai_advice", wait=FIRST_ANSWER_WAIT)
            limited = await a_ws.recv("error", wait=ANSWER_WAIT, code="ai_rate_limited")
            assert limited["chat_id"] == chat and limited["retry_after"] >= 1
            assert "per minute" in limited["message"]
