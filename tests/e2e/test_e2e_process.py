"""The server as a process: acked messages survive SIGKILL; SIGTERM shuts down gracefully."""

from __future__ import annotations

import asyncio
import time

import pytest
from e2e_api import all_messages, direct_chat, http_client, login, new_users, post_message
from e2e_server import ServerProcess
from e2e_ws import open_ws

BURST = 200


@pytest.mark.timeout(120)
async def test_acked_messages_survive_sigkill(own_server: ServerProcess) -> None:
    async with http_client(own_server.base_url) as http:
        (alice, alice_token), (bob, _) = await new_users(http, 2)
        chat = await direct_chat(http, alice_token, bob["id"])
    acks: dict[str, int] = {}
    async with open_ws(own_server.ws_url, alice_token) as ws:
        request_ids = [f"burst-{n}" for n in range(BURST)]
        for request_id in request_ids:
            await ws.send(
                {
                    "type": "message",
                    "chat_id": chat["id"],
                    "text": request_id,
                    "request_id": request_id,
                }
            )
        for _ in request_ids:
            ack = await ws.recv("message_sent", wait=30)
            acks[ack["message_id"]] = ack["seq"]
        own_server.proc.kill()  # right after the last ack, before anything else
        await asyncio.to_thread(own_server.wait, 10)
    assert len(acks) == BURST, "every request got its own message"

    await asyncio.to_thread(own_server.start)
    async with http_client(own_server.base_url) as http:
        token = (await login(http, alice["username"]))["token"]
        stored = await all_messages(http, token, chat["id"])
        by_id = {message["id"]: message["seq"] for message in stored}
        assert len(by_id) == len(stored), "a message id appears twice"
        lost = {message_id for message_id in acks if message_id not in by_id}
        assert not lost, f"{len(lost)} acked messages lost after SIGKILL"
        assert {message_id: by_id[message_id] for message_id in acks} == acks
        assert [message["seq"] for message in stored] == list(range(1, len(stored) + 1))
        after = await post_message(http, token, chat["id"], "after restart")
        assert after["seq"] == len(stored) + 1


@pytest.mark.timeout(60)
async def test_sigterm_closes_sockets_with_1012_and_exits_0(own_server: ServerProcess) -> None:
    async with http_client(own_server.base_url) as http:
        (_, alice_token), (bob, bob_token) = await new_users(http, 2)
        await direct_chat(http, alice_token, bob["id"])
    async with (
        open_ws(own_server.ws_url, alice_token) as alice_ws,
        open_ws(own_server.ws_url, bob_token) as bob_ws,
    ):
        await asyncio.gather(alice_ws.roundtrip(), bob_ws.roundtrip())
        started = time.monotonic()
        own_server.terminate()
        codes = await asyncio.gather(alice_ws.wait_closed(10), bob_ws.wait_closed(10))
    assert list(codes) == [1012, 1012]
    exit_code = await asyncio.to_thread(own_server.wait, 10)
    assert exit_code == 0
    assert time.monotonic() - started < 10
