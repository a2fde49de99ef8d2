"""The assistant's warm start and settings over a real `hubbub serve`: the model is loaded
and exercised before /readyz says 200, and the first advice after that comes within 2 s."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
from e2e_api import API, assert_error, bearer, bind, direct_chat, expect, http_client, new_user
from e2e_server import ServerProcess
from e2e_ws import open_ws

START_WITHIN = 20.0  # seconds to /healthz: ~3 s on this machine when idle, more under load
READY_WITHIN = 60.0
FIRST_ADVICE_WITHIN = 2.0


def test_ready_means_warm_and_the_first_advice_is_fast(tmp_path: Path) -> None:
    server = ServerProcess(tmp_path / "data", wait_for_model=False)
    started = time.monotonic()
    server.start()  # returns at the first /healthz 200
    try:
        up = time.monotonic() - started
        assert up < START_WITHIN, f"hubbub serve took {up:.1f}s to answer /healthz"
        states = set()
        with httpx.Client(base_url=server.base_url, timeout=5.0) as client:
            deadline = time.monotonic() + READY_WITHIN
            while time.monotonic() < deadline:
                resp = client.get("/readyz")
                body = resp.json()
                states.add((resp.status_code, body["checks"]["assistant_model"]))
                if resp.status_code == 200:
                    break
                assert resp.status_code == 503 and body["status"] == "unavailable"
                time.sleep(0.05)
        assert (200, "ok") in states, states
        assert states <= {(503, "loading"), (200, "ok")}, states
        elapsed = _first_advice_seconds(server.base_url, server.ws_url)
        assert elapsed < FIRST_ADVICE_WITHIN, f"first advice after ready took {elapsed:.2f}s"
    finally:
        server.stop()


def _first_advice_seconds(base_url: str, ws_url: str) -> float:
    import asyncio

    async def run() -> float:
        async with http_client(base_url) as http:
            _, a_token = await new_user(http, "warm")
            b, b_token = await new_user(http, "warm")
            chat = (await direct_chat(http, a_token, b["id"]))["id"]
            await bind(http, a_token, chat, "advice")
            async with open_ws(ws_url, a_token) as a_ws:
                sent = time.monotonic()
                await http.post(
                    f"{API}/chats/{chat}/messages",
                    json={"text": "Could we move tomorrow's meeting to Friday?"},
                    headers=bearer(b_token),
                )
                advice = await a_ws.recv("ai_advice", wait=10.0, chat_id=chat)
                took = time.monotonic() - sent
            assert advice["kind"] == "advice" and advice["text"]
            return took

    return asyncio.run(run())


async def test_assistant_settings_are_read_changed_and_checked(http: httpx.AsyncClient) -> None:
    _, token = await new_user(http, "voice")
    url = f"{API}/assistant/settings"
    defaults = {"gender": "neutral", "address": "auto", "learn_style": True}
    assert expect(await http.get(url, headers=bearer(token)), 200) == defaults

    changed = expect(await http.patch(url, json={"gender": "feminine"}, headers=bearer(token)), 200)
    assert changed == {**defaults, "gender": "feminine"}
    changed = expect(
        await http.patch(
            url, json={"address": "formal", "learn_style": False}, headers=bearer(token)
        ),
        200,
    )
    assert changed == {"gender": "feminine", "address": "formal", "learn_style": False}
    assert expect(await http.get(url, headers=bearer(token)), 200) == changed

    assert_error(await http.patch(url, json={"gender": "other"}, headers=bearer(token)), 422)
    assert_error(await http.patch(url, json={"tone": "posh"}, headers=bearer(token)), 422)
    assert_error(await http.get(url), 401)
    assert expect(await http.get(url, headers=bearer(token)), 200) == changed  # unchanged


async def test_a_holding_autoreply_and_its_notice(
    http: httpx.AsyncClient, server: ServerProcess
) -> None:
    a, a_token = await new_user(http, "hold")
    b, b_token = await new_user(http, "hold")
    chat = (await direct_chat(http, a_token, b["id"]))["id"]
    await bind(http, a_token, chat, "autoreply")
    async with open_ws(server.ws_url, a_token) as a_ws:
        await http.post(
            f"{API}/chats/{chat}/messages",
            json={"text": "Can we move our call to Thursday?"},
            headers=bearer(b_token),
        )
        notice = await a_ws.recv("ai_advice", wait=10.0, chat_id=chat)
    assert notice["kind"] == "notice" and "Thursday" in notice["text"]
    history = expect(await http.get(f"{API}/chats/{chat}/messages", headers=bearer(b_token)), 200)
    reply = history["messages"][-1]
    assert (reply["sender_id"], reply["ai_generated"]) == (a["id"], True)
    assert "get back to you" in reply["text"]
