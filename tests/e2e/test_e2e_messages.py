"""Messages over REST: posting, idempotency, validation, keyset history, read markers."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable

import httpx
import pytest
from e2e_api import (
    API,
    Json,
    all_messages,
    assert_error,
    assert_message,
    bearer,
    direct_chat,
    expect,
    get_chat,
    group_chat,
    history,
    new_users,
    post_many,
    post_message,
)

pytestmark = pytest.mark.timeout(60)

PAGE_SIZE = 50
TOTAL = 135


async def two_user_chat(http: httpx.AsyncClient) -> tuple[str, str, str, Json, Json]:
    """A direct chat between two fresh users: (chat id, alice token, bob token, alice, bob)."""
    (alice, alice_token), (bob, bob_token) = await new_users(http, 2)
    chat = await direct_chat(http, alice_token, bob["id"])
    return chat["id"], alice_token, bob_token, alice, bob


def messages_url(chat_id: str) -> str:
    return f"{API}/chats/{chat_id}/messages"


async def test_post_returns_the_message_with_gapless_seqs(http: httpx.AsyncClient) -> None:
    chat_id, alice_token, bob_token, alice, bob = await two_user_chat(http)
    first = await post_message(http, alice_token, chat_id, "hi bob", request_id="req-1")
    assert_message(
        first,
        chat_id=chat_id,
        seq=1,
        sender_id=alice["id"],
        text="hi bob",
        edited_at=None,
        ai_generated=False,
        request_id="req-1",
    )
    second = await post_message(http, bob_token, chat_id, "hi alice")
    assert_message(second, seq=2, sender_id=bob["id"], request_id=None)
    assert second["id"] > first["id"], "message ids must be time-ordered"

    concurrent = await asyncio.gather(
        *(post_message(http, alice_token, chat_id, f"c{n}") for n in range(20))
    )
    assert sorted(message["seq"] for message in concurrent) == list(range(3, 23))
    stored = await all_messages(http, bob_token, chat_id)
    assert [message["seq"] for message in stored] == list(range(1, 23))


async def test_same_request_id_returns_the_original(http: httpx.AsyncClient) -> None:
    chat_id, alice_token, bob_token, _, _ = await two_user_chat(http)
    original = await post_message(http, alice_token, chat_id, "once", request_id="dup-1")
    retry = await http.post(
        messages_url(chat_id),
        json={"text": "once", "request_id": "dup-1"},
        headers=bearer(alice_token),
    )
    assert expect(retry, 200)["id"] == original["id"]

    racing = await asyncio.gather(
        *(
            http.post(
                messages_url(chat_id),
                json={"text": "race", "request_id": "dup-2"},
                headers=bearer(alice_token),
            )
            for _ in range(4)
        )
    )
    assert sorted(resp.status_code for resp in racing) == [200, 200, 200, 201]
    assert len({resp.json()["id"] for resp in racing}) == 1

    # Idempotency is per sender: bob may use the same request id.
    bobs = await post_message(http, bob_token, chat_id, "mine", request_id="dup-1")
    assert bobs["id"] != original["id"]
    stored = await all_messages(http, alice_token, chat_id)
    assert [message["seq"] for message in stored] == [1, 2, 3]


async def test_text_length_limits(http: httpx.AsyncClient) -> None:
    chat_id, token, _, _, _ = await two_user_chat(http)
    for bad_text in ("", "   ", "\n\t ", "x" * 4097):
        resp = await http.post(
            messages_url(chat_id), json={"text": bad_text}, headers=bearer(token)
        )
        assert_error(resp, 422, field="text")
    missing = await http.post(messages_url(chat_id), json={}, headers=bearer(token))
    assert_error(missing, 422, field="text")
    assert (await history(http, token, chat_id))["messages"] == []

    longest = await post_message(http, token, chat_id, "y" * 4096)
    assert len(longest["text"]) == 4096
    padded = await http.post(
        messages_url(chat_id), json={"text": f"  {'z' * 4096}  "}, headers=bearer(token)
    )
    expect(padded, 201)


async def test_oversized_body_is_413(http: httpx.AsyncClient) -> None:
    chat_id, token, _, _, _ = await two_user_chat(http)
    huge = {"text": "x" * (2 * 1024 * 1024)}
    assert_error(await http.post(messages_url(chat_id), json=huge, headers=bearer(token)), 413)
    assert (await history(http, token, chat_id))["messages"] == []


async def test_outsiders_and_unknown_chats(http: httpx.AsyncClient) -> None:
    chat_id, alice_token, _, _, _ = await two_user_chat(http)
    ((_, eve_token),) = await new_users(http, 1)
    await post_message(http, alice_token, chat_id, "private")
    post = await http.post(messages_url(chat_id), json={"text": "hi"}, headers=bearer(eve_token))
    assert_error(post, 403)
    assert_error(await http.get(messages_url(chat_id), headers=bearer(eve_token)), 403)
    unknown = messages_url(str(uuid.uuid4()))
    assert_error(await http.post(unknown, json={"text": "hi"}, headers=bearer(alice_token)), 404)
    assert_error(await http.get(unknown, headers=bearer(alice_token)), 404)
    assert len(await all_messages(http, alice_token, chat_id)) == 1


@pytest.mark.timeout(120)
async def test_keyset_pagination_across_many_messages(http: httpx.AsyncClient) -> None:
    chat_id, alice_token, bob_token, _, _ = await two_user_chat(http)
    posted = await post_many(http, alice_token, chat_id, TOTAL)
    assert [message["seq"] for message in posted] == list(range(1, TOTAL + 1))
    ids = {message["seq"]: message["id"] for message in posted}

    newest = await history(http, bob_token, chat_id, limit=PAGE_SIZE)
    assert seqs(newest) == list(range(TOTAL - PAGE_SIZE + 1, TOTAL + 1))
    assert (newest["has_previous"], newest["has_next"]) == (True, False)
    assert all(message["id"] == ids[message["seq"]] for message in newest["messages"])

    backward: list[int] = seqs(newest)
    page = newest
    while page["has_previous"]:
        page = await history(
            http, bob_token, chat_id, limit=PAGE_SIZE, before_id=page["messages"][0]["id"]
        )
        assert page["has_next"] is True
        backward = seqs(page) + backward
    assert backward == list(range(1, TOTAL + 1))

    forward_by_id = await walk_forward(http, bob_token, chat_id, "after_id", lambda m: m["id"])
    forward_by_seq = await walk_forward(http, bob_token, chat_id, "after_seq", lambda m: m["seq"])
    assert forward_by_id == forward_by_seq == list(range(1, TOTAL + 1))

    tail = await history(http, bob_token, chat_id, after_seq=TOTAL)
    assert (tail["messages"], tail["has_next"]) == ([], False)
    everything = await history(http, bob_token, chat_id, limit=200)
    assert seqs(everything) == list(range(1, TOTAL + 1))
    assert (everything["has_previous"], everything["has_next"]) == (False, False)
    too_many = await http.get(
        messages_url(chat_id), params={"limit": 201}, headers=bearer(bob_token)
    )
    assert_error(too_many, 422, field="limit")


def seqs(page: Json) -> list[int]:
    return [message["seq"] for message in page["messages"]]


async def walk_forward(
    http: httpx.AsyncClient, token: str, chat_id: str, cursor: str, key: Callable[[Json], object]
) -> list[int]:
    """Page forward from the start with after_id or after_seq; return every seq seen."""
    page = await history(http, token, chat_id, limit=PAGE_SIZE, after_seq=0)
    assert page["has_previous"] is False
    collected = seqs(page)
    while page["has_next"]:
        page = await history(
            http, token, chat_id, limit=PAGE_SIZE, **{cursor: key(page["messages"][-1])}
        )
        assert page["has_previous"] is True
        collected += seqs(page)
    return collected


async def test_read_marker_drives_unread_count(http: httpx.AsyncClient) -> None:
    chat_id, alice_token, bob_token, _, _ = await two_user_chat(http)
    for n in range(5):
        await post_message(http, bob_token, chat_id, f"b{n}")
    chat = await get_chat(http, alice_token, chat_id)
    assert (chat["last_seq"], chat["last_read_seq"], chat["unread_count"]) == (5, 0, 5)

    read = await http.post(
        f"{API}/chats/{chat_id}/read", json={"seq": 3}, headers=bearer(alice_token)
    )
    expect(read, 204)
    chat = await get_chat(http, alice_token, chat_id)
    assert (chat["last_seq"], chat["last_read_seq"], chat["unread_count"]) == (5, 3, 2)
    theirs = await get_chat(http, bob_token, chat_id)
    assert theirs["unread_count"] == 0
    # Read receipts survive a reload: bob sees how far alice has read his messages.
    assert (theirs["partner"]["last_read_seq"], chat["partner"]["last_read_seq"]) == (3, 5)


async def test_own_messages_are_never_unread(http: httpx.AsyncClient) -> None:
    (_, owner_token), (bob, bob_token), (carol, carol_token) = await new_users(http, 3)
    chat = await group_chat(http, owner_token, [bob["id"], carol["id"]])
    for n in range(3):
        await post_message(http, owner_token, chat["id"], f"o{n}")
    assert (await get_chat(http, owner_token, chat["id"]))["unread_count"] == 0
    assert (await get_chat(http, bob_token, chat["id"]))["unread_count"] == 3

    expect(
        await http.post(
            f"{API}/chats/{chat['id']}/read", json={"seq": 3}, headers=bearer(carol_token)
        ),
        204,
    )
    await post_message(http, carol_token, chat["id"], "carol's own")
    carol_view = await get_chat(http, carol_token, chat["id"])
    assert (carol_view["last_seq"], carol_view["unread_count"]) == (4, 0)
    assert (await get_chat(http, bob_token, chat["id"]))["unread_count"] == 4
    assert (await get_chat(http, owner_token, chat["id"]))["unread_count"] == 1


async def test_read_by_outsider_is_403(http: httpx.AsyncClient) -> None:
    chat_id, alice_token, _, _, _ = await two_user_chat(http)
    ((_, eve_token),) = await new_users(http, 1)
    await post_message(http, alice_token, chat_id)
    resp = await http.post(
        f"{API}/chats/{chat_id}/read", json={"seq": 1}, headers=bearer(eve_token)
    )
    assert_error(resp, 403)
