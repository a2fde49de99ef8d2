"""Chats: direct and group chats, members, the chat list."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from e2e_api import (
    API,
    Json,
    assert_chat,
    assert_error,
    assert_timestamp,
    bearer,
    direct_chat,
    expect,
    get_chat,
    group_chat,
    new_user,
    new_users,
    post_message,
)
from e2e_ws import WsConnect

pytestmark = pytest.mark.timeout(60)

CHATS = f"{API}/chats"
LAST_MESSAGE_FIELDS = ("id", "seq", "sender_id", "text", "created_at", "ai_generated")


async def members(http: httpx.AsyncClient, token: str, chat_id: str) -> dict[str, str]:
    """The chat's members as {user id: role}."""
    body = expect(await http.get(f"{CHATS}/{chat_id}/members", headers=bearer(token)), 200)
    for member in body["members"]:
        assert {"user", "role", "joined_at"} <= member.keys()
        assert_timestamp(member["joined_at"])
    return {member["user"]["id"]: member["role"] for member in body["members"]}


async def list_chats(http: httpx.AsyncClient, token: str, **params: str | int) -> Json:
    body: Json = expect(await http.get(CHATS, params=params, headers=bearer(token)), 200)
    return body


async def test_direct_chat_is_one_per_pair_in_both_directions(http: httpx.AsyncClient) -> None:
    (alice, alice_token), (bob, bob_token) = await new_users(http, 2)
    created = await http.post(CHATS, json={"partner_id": bob["id"]}, headers=bearer(alice_token))
    chat = expect(created, 201)
    assert_chat(
        chat,
        type="direct",
        title=None,
        members_count=2,
        last_message=None,
        last_seq=0,
        last_read_seq=0,
        unread_count=0,
    )
    assert {"id", "username", "display_name", "online"} <= chat["partner"].keys()
    assert chat["partner"]["id"] == bob["id"]

    again = await http.post(CHATS, json={"partner_id": bob["id"]}, headers=bearer(alice_token))
    assert expect(again, 200)["id"] == chat["id"]
    reverse = await http.post(CHATS, json={"partner_id": alice["id"]}, headers=bearer(bob_token))
    reverse_chat = expect(reverse, 200)
    assert reverse_chat["id"] == chat["id"]
    assert reverse_chat["partner"]["id"] == alice["id"]
    assert set(await members(http, alice_token, chat["id"])) == {alice["id"], bob["id"]}


async def test_direct_chat_with_self_or_unknown_partner(http: httpx.AsyncClient) -> None:
    alice, token = await new_user(http)
    myself = await http.post(CHATS, json={"partner_id": alice["id"]}, headers=bearer(token))
    assert_error(myself, 422)
    unknown = await http.post(CHATS, json={"partner_id": str(uuid.uuid4())}, headers=bearer(token))
    assert_error(unknown, 404)


async def test_group_creator_is_owner(http: httpx.AsyncClient) -> None:
    (owner, owner_token), (bob, _), (carol, _) = await new_users(http, 3)
    chat = await group_chat(http, owner_token, [bob["id"], carol["id"]], title="Launch")
    assert_chat(chat, type="group", title="Launch", members_count=3, last_seq=0, unread_count=0)
    assert await members(http, owner_token, chat["id"]) == {
        owner["id"]: "owner",
        bob["id"]: "member",
        carol["id"]: "member",
    }
    assert (await get_chat(http, owner_token, chat["id"]))["id"] == chat["id"]


async def test_chat_access_for_outsiders_and_unknown_chats(http: httpx.AsyncClient) -> None:
    (_, owner_token), (_, outsider_token) = await new_users(http, 2)
    chat = await group_chat(http, owner_token, [])
    for path in ("", "/members", "/messages"):
        resp = await http.get(f"{CHATS}/{chat['id']}{path}", headers=bearer(outsider_token))
        assert_error(resp, 403)
        resp = await http.get(f"{CHATS}/{uuid.uuid4()}{path}", headers=bearer(owner_token))
        assert_error(resp, 404)


async def test_member_invites_and_invitee_gets_chat_invite(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    users = await new_users(http, 5)
    (owner, owner_token), (bob, bob_token), (carol, carol_token), (_, eve_token), (dan, _) = users
    chat = await group_chat(http, owner_token, [bob["id"]])
    carol_ws = await ws_connect(carol_token)
    await carol_ws.roundtrip()
    url = f"{CHATS}/{chat['id']}/members"
    expect(await http.post(url, json={"user_id": carol["id"]}, headers=bearer(bob_token)), 201)
    invite = await carol_ws.recv("chat_invite")
    assert_chat(invite["chat"], id=chat["id"], type="group", members_count=3)
    assert set(await members(http, carol_token, chat["id"])) == {
        owner["id"],
        bob["id"],
        carol["id"],
    }

    outsider_invite = await http.post(url, json={"user_id": dan["id"]}, headers=bearer(eve_token))
    assert_error(outsider_invite, 403)
    assert dan["id"] not in await members(http, owner_token, chat["id"])

    by_owner = await http.post(url, json={"user_id": dan["id"]}, headers=bearer(owner_token))
    expect(by_owner, 201)
    assert (await get_chat(http, owner_token, chat["id"]))["members_count"] == 4


async def test_invite_into_a_direct_chat_is_refused(http: httpx.AsyncClient) -> None:
    (_, alice_token), (bob, _), (carol, _) = await new_users(http, 3)
    chat = await direct_chat(http, alice_token, bob["id"])
    resp = await http.post(
        f"{CHATS}/{chat['id']}/members", json={"user_id": carol["id"]}, headers=bearer(alice_token)
    )
    assert resp.status_code in (400, 403, 409, 422), resp.text
    assert_error(resp, resp.status_code)
    assert (await get_chat(http, alice_token, chat["id"]))["members_count"] == 2


async def test_leaving_a_group_ends_access_and_delivery(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (owner, owner_token), (bob, bob_token), (carol, carol_token) = await new_users(http, 3)
    chat = await group_chat(http, owner_token, [bob["id"], carol["id"]])
    carol_ws = await ws_connect(carol_token)
    bob_ws = await ws_connect(bob_token)
    await asyncio.gather(carol_ws.roundtrip(), bob_ws.roundtrip())

    leave = await http.delete(
        f"{CHATS}/{chat['id']}/members/{carol['id']}", headers=bearer(carol_token)
    )
    expect(leave, 204)
    assert_error(await http.get(f"{CHATS}/{chat['id']}/messages", headers=bearer(carol_token)), 403)
    assert_error(await http.get(f"{CHATS}/{chat['id']}", headers=bearer(carol_token)), 403)
    assert set(await members(http, owner_token, chat["id"])) == {owner["id"], bob["id"]}

    await post_message(http, owner_token, chat["id"], "after carol left")
    await bob_ws.recv("new_message")
    await carol_ws.expect_nothing("new_message")


async def test_owner_removes_a_member_but_members_cannot(http: httpx.AsyncClient) -> None:
    (owner, owner_token), (bob, bob_token), (carol, carol_token) = await new_users(http, 3)
    chat = await group_chat(http, owner_token, [bob["id"], carol["id"]])
    by_member = await http.delete(
        f"{CHATS}/{chat['id']}/members/{carol['id']}", headers=bearer(bob_token)
    )
    assert_error(by_member, 403)
    assert carol["id"] in await members(http, owner_token, chat["id"])

    by_owner = await http.delete(
        f"{CHATS}/{chat['id']}/members/{bob['id']}", headers=bearer(owner_token)
    )
    expect(by_owner, 204)
    assert_error(await http.get(f"{CHATS}/{chat['id']}/messages", headers=bearer(bob_token)), 403)
    assert set(await members(http, carol_token, chat["id"])) == {owner["id"], carol["id"]}


async def test_chat_list_is_newest_activity_first_with_unread_counts(
    http: httpx.AsyncClient,
) -> None:
    (me, my_token), *partners = await new_users(http, 4)
    chats = [await direct_chat(http, token, me["id"]) for _, token in partners]
    last: dict[str, Json] = {}
    # Activity order: chats[1], then chats[0] (twice), then chats[2] most recently.
    for index, count in ((1, 1), (0, 2), (2, 3)):
        for n in range(count):
            chat_id = chats[index]["id"]
            last[chat_id] = await post_message(http, partners[index][1], chat_id, f"m{n}")
            await asyncio.sleep(0.01)

    listed = await list_chats(http, my_token)
    assert (listed["total"], listed["has_more"]) == (3, False)
    assert [chat["id"] for chat in listed["chats"]] == [
        chats[2]["id"],
        chats[0]["id"],
        chats[1]["id"],
    ]
    for chat, unread in zip(listed["chats"], (3, 2, 1), strict=True):
        assert_chat(chat, unread_count=unread, last_seq=unread, last_read_seq=0)
        wanted = last[chat["id"]]
        assert {key: chat["last_message"].get(key) for key in LAST_MESSAGE_FIELDS} == {
            key: wanted[key] for key in LAST_MESSAGE_FIELDS
        }

    first_page = await list_chats(http, my_token, limit=2)
    assert [chat["id"] for chat in first_page["chats"]] == [chats[2]["id"], chats[0]["id"]]
    assert (first_page["total"], first_page["has_more"]) == (3, True)
    second_page = await list_chats(http, my_token, limit=2, offset=2)
    assert [chat["id"] for chat in second_page["chats"]] == [chats[1]["id"]]
    assert second_page["has_more"] is False


async def test_unread_only_filter(http: httpx.AsyncClient) -> None:
    (me, my_token), (_, bob_token), (_, carol_token) = await new_users(http, 3)
    read_chat = await direct_chat(http, bob_token, me["id"])
    unread_chat = await direct_chat(http, carol_token, me["id"])
    await post_message(http, bob_token, read_chat["id"], "read me")
    await post_message(http, carol_token, unread_chat["id"], "unread")
    read = await http.post(
        f"{CHATS}/{read_chat['id']}/read", json={"seq": 1}, headers=bearer(my_token)
    )
    expect(read, 204)
    only_unread = await list_chats(http, my_token, unread_only="true")
    assert [chat["id"] for chat in only_unread["chats"]] == [unread_chat["id"]]
    everything = await list_chats(http, my_token, unread_only="false")
    assert {chat["id"] for chat in everything["chats"]} == {read_chat["id"], unread_chat["id"]}


async def test_chat_list_limit_is_at_most_100(http: httpx.AsyncClient) -> None:
    _, token = await new_user(http)
    assert_error(
        await http.get(CHATS, params={"limit": 101}, headers=bearer(token)), 422, field="limit"
    )
    assert (await list_chats(http, token, limit=100))["chats"] == []
