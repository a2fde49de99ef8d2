"""Real-time events besides messages: presence, typing, read, chat_created."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from e2e_api import (
    API,
    assert_chat,
    assert_timestamp,
    bearer,
    direct_chat,
    expect,
    get_chat,
    group_chat,
    new_users,
    post_message,
)
from e2e_ws import WsConnect

pytestmark = pytest.mark.timeout(60)


async def test_presence_goes_to_users_who_share_a_chat(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (alice, alice_token), (_, bob_token), (_, eve_token) = await new_users(http, 3)
    await direct_chat(http, bob_token, alice["id"])
    bob_ws, eve_ws = await ws_connect(bob_token), await ws_connect(eve_token)
    await asyncio.gather(bob_ws.roundtrip(), eve_ws.roundtrip())

    alice_ws = await ws_connect(alice_token)
    online = await bob_ws.recv("presence", event="user_online", user_id=alice["id"])
    assert_timestamp(online["timestamp"])
    profile = expect(await http.get(f"{API}/users/{alice['id']}", headers=bearer(bob_token)), 200)
    assert profile["online"] is True

    await alice_ws.close()
    offline = await bob_ws.recv("presence", event="user_offline", user_id=alice["id"], wait=10)
    assert_timestamp(offline["timestamp"])
    await eve_ws.expect_nothing("presence", user_id=alice["id"])
    profile = expect(await http.get(f"{API}/users/{alice['id']}", headers=bearer(bob_token)), 200)
    assert profile["online"] is False
    assert_timestamp(profile["last_seen_at"])


async def test_typing_is_relayed_to_the_other_members_only(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (alice, alice_token), (bob, bob_token), (carol, carol_token), (_, eve_token) = await new_users(
        http, 4
    )
    chat = await group_chat(http, alice_token, [bob["id"], carol["id"]])
    sockets = [
        await ws_connect(token) for token in (alice_token, bob_token, carol_token, eve_token)
    ]
    alice_ws, bob_ws, carol_ws, eve_ws = sockets
    await asyncio.gather(*(ws.roundtrip() for ws in sockets))

    for is_typing in (True, False):
        await alice_ws.send({"type": "typing", "chat_id": chat["id"], "is_typing": is_typing})
        for member_ws in (bob_ws, carol_ws):
            frame = await member_ws.recv("typing", is_typing=is_typing)
            assert (frame["chat_id"], frame["user_id"]) == (chat["id"], alice["id"])
    await alice_ws.expect_nothing("typing")
    await eve_ws.expect_nothing("typing")


async def test_read_is_announced_to_the_other_members(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (alice, alice_token), (bob, bob_token) = await new_users(http, 2)
    chat = await direct_chat(http, alice_token, bob["id"])
    for n in range(3):
        await post_message(http, bob_token, chat["id"], f"b{n}")
    alice_ws, bob_ws = await ws_connect(alice_token), await ws_connect(bob_token)
    await asyncio.gather(alice_ws.roundtrip(), bob_ws.roundtrip())

    await alice_ws.send({"type": "read", "chat_id": chat["id"], "seq": 2})
    event = await bob_ws.recv("read", user_id=alice["id"])
    assert (event["chat_id"], event["seq"]) == (chat["id"], 2)
    await alice_ws.expect_nothing("read", user_id=alice["id"])
    alice_view = await get_chat(http, alice_token, chat["id"])
    assert (alice_view["last_read_seq"], alice_view["unread_count"]) == (2, 1)

    await post_message(http, alice_token, chat["id"], "a0")
    read = await http.post(
        f"{API}/chats/{chat['id']}/read", json={"seq": 4}, headers=bearer(bob_token)
    )
    expect(read, 204)
    event = await alice_ws.recv("read", user_id=bob["id"])
    assert (event["chat_id"], event["seq"]) == (chat["id"], 4)


async def test_partner_gets_chat_created(http: httpx.AsyncClient, ws_connect: WsConnect) -> None:
    (alice, alice_token), (bob, bob_token) = await new_users(http, 2)
    bob_ws = await ws_connect(bob_token)
    await bob_ws.roundtrip()
    chat = await direct_chat(http, alice_token, bob["id"])
    frame = await bob_ws.recv("chat_created")
    assert_chat(frame["chat"], id=chat["id"], type="direct", members_count=2)

    await direct_chat(http, alice_token, bob["id"])
    await direct_chat(http, bob_token, alice["id"])
    await bob_ws.expect_nothing("chat_created")
