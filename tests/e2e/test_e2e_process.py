"""The server as a process: acked messages survive SIGKILL; SIGTERM shuts down gracefully."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from e2e_api import Json, all_messages, direct_chat, http_client, login, new_users, post_message
from e2e_server import ServerProcess, running_server
from e2e_ws import WsClient, open_ws

BURST = 200


async def chat_of_two(server: ServerProcess) -> tuple[Json, str, str]:
    """A direct chat between two fresh users: (alice, alice's token, chat id)."""
    async with http_client(server.base_url) as http:
        (alice, alice_token), (bob, _) = await new_users(http, 2)
        chat = await direct_chat(http, alice_token, bob["id"])
    return alice, alice_token, chat["id"]


async def send_burst(ws: WsClient, chat_id: str, count: int) -> None:
    """Pipeline `count` message frames without waiting for any ack."""
    for n in range(count):
        request_id = f"burst-{n}"
        await ws.send(
            {"type": "message", "chat_id": chat_id, "text": request_id, "request_id": request_id}
        )


async def stored_after_restart(server: ServerProcess, alice: Json, chat_id: str) -> list[Json]:
    """Restart the (stopped) server on its data dir and return the chat's whole history."""
    await asyncio.to_thread(server.start)
    async with http_client(server.base_url) as http:
        token = (await login(http, alice["username"]))["token"]
        stored = await all_messages(http, token, chat_id)
        after = await post_message(http, token, chat_id, "after restart")
    assert after["seq"] == len(stored) + 1, "seq continues after the restart"
    return stored


def assert_acks_stored(acks: dict[str, int], stored: list[Json]) -> None:
    """Every acked message is stored exactly once with its acked seq; seqs have no gaps."""
    by_id = {message["id"]: message["seq"] for message in stored}
    assert len(by_id) == len(stored), "a message id appears twice"
    lost = [message_id for message_id in acks if message_id not in by_id]
    assert not lost, f"{len(lost)} of {len(acks)} acked messages lost"
    assert {message_id: by_id[message_id] for message_id in acks} == acks
    assert [message["seq"] for message in stored] == list(range(1, len(stored) + 1))
    assert len({message["request_id"] for message in stored}) == len(stored), "a duplicate"


@pytest.mark.timeout(120)
async def test_acked_messages_survive_sigkill(own_server: ServerProcess) -> None:
    alice, token, chat_id = await chat_of_two(own_server)
    async with open_ws(own_server.ws_url, token) as ws:
        await send_burst(ws, chat_id, BURST)
        acks = [await ws.recv("message_sent", wait=30) for _ in range(BURST)]
        own_server.proc.kill()  # right after the last ack, before anything else
        await asyncio.to_thread(own_server.wait, 10)
    by_id = {ack["message_id"]: ack["seq"] for ack in acks}
    assert len(by_id) == BURST, "every request got its own message"

    stored = await stored_after_restart(own_server, alice, chat_id)
    assert len(stored) == BURST
    assert_acks_stored(by_id, stored)


@pytest.mark.timeout(120)
async def test_acked_messages_survive_sigkill_with_synchronous_normal(tmp_path: Path) -> None:
    """`HUBBUB_SQLITE_SYNCHRONOUS=NORMAL` (the faster option: no fsync per commit) still
    survives a process crash: committed WAL frames are in the operating system's cache, which
    a SIGKILL does not lose (an operating-system crash or power loss could; see the README)."""
    env = {"HUBBUB_SQLITE_SYNCHRONOUS": "NORMAL"}
    with running_server(tmp_path / "data", env=env) as server:
        alice, token, chat_id = await chat_of_two(server)
        async with open_ws(server.ws_url, token) as ws:
            await send_burst(ws, chat_id, BURST)
            acks = [await ws.recv("message_sent", wait=30) for _ in range(BURST)]
            server.proc.kill()
            await asyncio.to_thread(server.wait, 10)
        by_id = {ack["message_id"]: ack["seq"] for ack in acks}
        stored = await stored_after_restart(server, alice, chat_id)
    assert len(stored) == BURST
    assert_acks_stored(by_id, stored)


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
    elapsed = time.monotonic() - started
    assert exit_code == 0, f"exit code {exit_code} after {elapsed:.1f}s"
    assert elapsed < 10


@pytest.mark.timeout(90)
async def test_sigterm_finishes_in_flight_writes(own_server: ServerProcess) -> None:
    alice, token, chat_id = await chat_of_two(own_server)
    async with open_ws(own_server.ws_url, token) as ws:
        await ws.roundtrip()
        await send_burst(ws, chat_id, BURST)
        own_server.terminate()  # while the burst is being written
        assert await ws.wait_closed(15) == 1012
    await asyncio.to_thread(own_server.wait, 10)
    acks = {frame["message_id"]: frame["seq"] for frame in ws.take_all("message_sent")}

    assert_acks_stored(acks, await stored_after_restart(own_server, alice, chat_id))
