"""Messages over WebSocket: acks, fan-out to members and devices, retries, catch-up by sync."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from e2e_api import (
    API,
    all_messages,
    assert_message,
    assert_timestamp,
    assert_uuid,
    bearer,
    direct_chat,
    expect,
    group_chat,
    new_users,
    post_many,
    post_message,
)
from e2e_ws import Json, WsClient, WsConnect

pytestmark = pytest.mark.timeout(60)


def message_frame(chat_id: str | None, text: str, request_id: str | None = None) -> Json:
    frame: Json = {"type": "message", "text": text, "request_id": request_id or str(uuid.uuid4())}
    if chat_id is not None:
        frame["chat_id"] = chat_id
    return frame


async def send_and_ack(ws: WsClient, chat_id: str | None, text: str, request_id: str) -> Json:
    """Send a message frame and return its message_sent ack."""
    await ws.send(message_frame(chat_id, text, request_id))
    return await ws.recv("message_sent", request_id=request_id)


async def test_two_users_chat(http: httpx.AsyncClient, ws_connect: WsConnect) -> None:
    (alice, alice_token), (bob, bob_token) = await new_users(http, 2)
    chat = await direct_chat(http, alice_token, bob["id"])
    alice_ws, bob_ws = await ws_connect(alice_token), await ws_connect(bob_token)
    await asyncio.gather(alice_ws.roundtrip(), bob_ws.roundtrip())

    ack = await send_and_ack(alice_ws, chat["id"], "hello bob", "r-1")
    assert ack["chat_id"] == chat["id"]
    assert (ack["seq"], ack["status"]) == (1, "delivered")
    assert_uuid(ack["message_id"], version=7)
    assert_timestamp(ack["created_at"])
    received = (await bob_ws.recv("new_message"))["message"]
    assert_message(
        received,
        id=ack["message_id"],
        chat_id=chat["id"],
        seq=1,
        sender_id=alice["id"],
        text="hello bob",
        request_id="r-1",
        ai_generated=False,
        edited_at=None,
    )
    await alice_ws.expect_nothing("new_message")

    reply = await send_and_ack(bob_ws, chat["id"], "hi alice", "r-2")
    assert reply["seq"] == 2
    assert (await alice_ws.recv("new_message"))["message"]["id"] == reply["message_id"]
    stored = await all_messages(http, alice_token, chat["id"])
    assert [(m["id"], m["seq"]) for m in stored] == [
        (ack["message_id"], 1),
        (reply["message_id"], 2),
    ]


async def test_every_device_of_a_user_gets_the_message(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (_, alice_token), (bob, bob_token) = await new_users(http, 2)
    chat = await direct_chat(http, alice_token, bob["id"])
    phone, laptop, bob_ws = [await ws_connect(t) for t in (alice_token, alice_token, bob_token)]
    await asyncio.gather(phone.roundtrip(), laptop.roundtrip(), bob_ws.roundtrip())

    ack = await send_and_ack(phone, chat["id"], "from my phone", "dev-1")
    for other in (laptop, bob_ws):
        assert (await other.recv("new_message"))["message"]["id"] == ack["message_id"]
    await phone.expect_nothing("new_message")
    await laptop.expect_nothing("message_sent")


async def test_group_broadcast_reaches_every_member(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    users = await new_users(http, 5)
    (_, sender_token), *others = users[:4]
    (_, outsider_token) = users[4]
    chat = await group_chat(http, sender_token, [user["id"] for user, _ in others])
    sender = await ws_connect(sender_token)
    receivers = [await ws_connect(token) for _, token in others]
    outsider = await ws_connect(outsider_token)
    await asyncio.gather(*(ws.roundtrip() for ws in [sender, *receivers, outsider]))

    ack = await send_and_ack(sender, chat["id"], "hello team", "grp-1")
    frames = await asyncio.gather(*(ws.recv("new_message") for ws in receivers))
    assert {frame["message"]["id"] for frame in frames} == {ack["message_id"]}
    await sender.expect_nothing("new_message")
    await outsider.expect_nothing("new_message")


async def test_chat_id_in_the_url_is_the_default(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (_, alice_token), (bob, bob_token) = await new_users(http, 2)
    chat = await direct_chat(http, alice_token, bob["id"])
    bob_ws = await ws_connect(bob_token)
    alice_ws = await ws_connect(alice_token, chat_id=chat["id"])
    await bob_ws.roundtrip()

    ack = await send_and_ack(alice_ws, None, "no chat_id here", "dflt-1")
    assert (ack["chat_id"], ack["seq"]) == (chat["id"], 1)
    received = (await bob_ws.recv("new_message"))["message"]
    assert (received["chat_id"], received["text"]) == (chat["id"], "no chat_id here")


async def test_retry_with_the_same_request_id_is_idempotent(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (_, alice_token), (bob, bob_token) = await new_users(http, 2)
    chat = await direct_chat(http, alice_token, bob["id"])
    alice_ws, bob_ws = await ws_connect(alice_token), await ws_connect(bob_token)
    await bob_ws.roundtrip()

    first = await send_and_ack(alice_ws, chat["id"], "only once", "retry-1")
    await bob_ws.recv("new_message")
    again = await send_and_ack(alice_ws, chat["id"], "only once", "retry-1")
    assert (again["message_id"], again["seq"]) == (first["message_id"], first["seq"])

    # Two copies in flight at once (a client retrying before the first ack).
    for _ in range(2):
        await alice_ws.send(message_frame(chat["id"], "racing", "retry-2"))
    acks = [await alice_ws.recv("message_sent", request_id="retry-2") for _ in range(2)]
    assert acks[0]["message_id"] == acks[1]["message_id"]

    # The REST door goes through the same service and finds the same message.
    retry = await http.post(
        f"{API}/chats/{chat['id']}/messages",
        json={"text": "only once", "request_id": "retry-1"},
        headers=bearer(alice_token),
    )
    assert expect(retry, 200)["id"] == first["message_id"]
    stored = await all_messages(http, bob_token, chat["id"])
    assert [m["request_id"] for m in stored] == ["retry-1", "retry-2"]
    assert [m["seq"] for m in stored] == [1, 2]


async def test_sync_replays_missed_messages(http: httpx.AsyncClient, ws_connect: WsConnect) -> None:
    (_, alice_token), (bob, bob_token), (_, carol_token) = await new_users(http, 3)
    chat = await direct_chat(http, alice_token, bob["id"])
    other = await direct_chat(http, carol_token, bob["id"])
    for text in ("seen 1", "seen 2"):
        await post_message(http, alice_token, chat["id"], text)

    first_visit = await ws_connect(bob_token)
    await first_visit.roundtrip()
    await first_visit.close()
    missed = [await post_message(http, alice_token, chat["id"], f"missed {n}") for n in range(3)]
    missed_other = await post_message(http, carol_token, other["id"], "from carol")

    bob_ws = await ws_connect(bob_token)
    await bob_ws.send({"type": "sync", "chats": {chat["id"]: 2, other["id"]: 0}})
    frames = [(await bob_ws.recv("new_message"))["message"] for _ in range(4)]
    await bob_ws.expect_nothing("new_message")
    replayed = [(m["id"], m["seq"], m["text"]) for m in frames if m["chat_id"] == chat["id"]]
    assert replayed == [(m["id"], m["seq"], m["text"]) for m in missed]
    assert [m["id"] for m in frames if m["chat_id"] == other["id"]] == [missed_other["id"]]


@pytest.mark.timeout(120)
async def test_sync_is_truncated_after_500_messages(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (_, alice_token), (bob, bob_token) = await new_users(http, 2)
    chat = await direct_chat(http, alice_token, bob["id"])
    await post_many(http, alice_token, chat["id"], 505, chunk=50)

    bob_ws = await ws_connect(bob_token)
    await bob_ws.send({"type": "sync", "chats": {chat["id"]: 0}})
    truncated = await bob_ws.recv("sync_truncated", wait=30)
    assert truncated["chat_id"] == chat["id"]
    replayed = [frame["message"]["seq"] for frame in bob_ws.take_all("new_message")]
    assert replayed == list(range(1, 501))
    await bob_ws.expect_nothing("new_message")
