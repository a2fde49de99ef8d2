"""Edits, deletes, reactions and replies over REST and WebSocket, on the embedded default and
across two gateways on PostgreSQL: every member's connections get `message_updated`, history
shows tombstones and edits, `sync` replays what a client missed, and bad input changes
nothing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import quote

import pytest
from e2e_api import (
    API,
    assert_error,
    bearer,
    direct_chat,
    expect,
    get_chat,
    group_chat,
    history,
    new_users,
    post_message,
)
from e2e_deployments import DEPLOYMENTS, Doors, open_doors, running_deployment
from e2e_server import ServerProcess

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module", params=DEPLOYMENTS)
def gateways(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    yield from running_deployment(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture
async def doors(gateways: tuple[ServerProcess, ServerProcess]) -> AsyncIterator[Doors]:
    async for opened in open_doors(gateways):
        yield opened


def message_url(chat_id: str, message_id: str) -> str:
    return f"{API}/chats/{chat_id}/messages/{message_id}"


def reaction_url(chat_id: str, message_id: str, emoji: str) -> str:
    return f"{message_url(chat_id, message_id)}/reactions/{quote(emoji)}"


async def test_an_edit_reaches_every_connection_and_history(doors: Doors) -> None:
    (_alice, alice_token), (bob, bob_token) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    sent = await post_message(doors.a.http, alice_token, chat["id"], "helo bob")
    alice_other_device = await doors.b.ws(alice_token)
    bob_ws = await doors.b.ws(bob_token)

    edited = expect(
        await doors.a.http.patch(
            message_url(chat["id"], sent["id"]),
            json={"text": "hello bob"},
            headers=bearer(alice_token),
        ),
        200,
    )

    assert (edited["text"], edited["seq"]) == ("hello bob", 1)
    assert edited["edited_at"] is not None
    for ws in (bob_ws, alice_other_device):
        frame = await ws.recv("message_updated")
        assert (frame["change"], frame["message"]["text"]) == ("edited", "hello bob")
        assert frame["message"]["edited_at"] == edited["edited_at"]
    [stored] = (await history(doors.b.http, bob_token, chat["id"]))["messages"]
    assert (stored["text"], stored["edited_at"]) == ("hello bob", edited["edited_at"])
    # An edit is not a new message: Bob's unread count is still 1.
    assert (await get_chat(doors.b.http, bob_token, chat["id"]))["unread_count"] == 1


async def test_bad_edits_and_deletes_are_refused_and_change_nothing(doors: Doors) -> None:
    (_alice, alice_token), (bob, bob_token), (_, eve_token) = await new_users(doors.a.http, 3)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    sent = await post_message(doors.a.http, alice_token, chat["id"], "original")
    url = message_url(chat["id"], sent["id"])

    not_mine = await doors.a.http.patch(url, json={"text": "x"}, headers=bearer(bob_token))
    outsider = await doors.a.http.delete(url, headers=bearer(eve_token))
    empty = await doors.a.http.patch(url, json={"text": "  "}, headers=bearer(alice_token))
    unknown = await doors.a.http.delete(
        message_url(chat["id"], str(uuid.uuid4())), headers=bearer(alice_token)
    )
    bob_deletes = await doors.a.http.delete(url, headers=bearer(bob_token))

    assert assert_error(not_mine, 403)["code"] == "not_your_message"
    assert assert_error(outsider, 403)["code"] == "not_a_member"
    assert_error(empty, 422)
    assert assert_error(unknown, 404)["code"] == "message_not_found"
    assert assert_error(bob_deletes, 403)["code"] == "not_your_message"
    [stored] = (await history(doors.a.http, alice_token, chat["id"]))["messages"]
    assert (stored["text"], stored["edited_at"], stored["deleted"]) == ("original", None, False)


async def test_a_delete_leaves_a_tombstone_and_a_second_delete_is_409(doors: Doors) -> None:
    (_alice, alice_token), (bob, bob_token) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    gone = await post_message(doors.a.http, alice_token, chat["id"], "oops, wrong chat")
    await post_message(doors.a.http, alice_token, chat["id"], "next")
    bob_ws = await doors.b.ws(bob_token)

    expect(
        await doors.a.http.delete(message_url(chat["id"], gone["id"]), headers=bearer(alice_token)),
        204,
    )

    frame = await bob_ws.recv("message_updated")
    assert frame["change"] == "deleted"
    assert (frame["message"]["deleted"], frame["message"]["text"]) == (True, "")
    messages = (await history(doors.b.http, bob_token, chat["id"]))["messages"]
    assert [(m["seq"], m["deleted"], m["text"]) for m in messages] == [
        (1, True, ""),
        (2, False, "next"),
    ]
    again = await doors.a.http.delete(
        message_url(chat["id"], gone["id"]), headers=bearer(alice_token)
    )
    edit = await doors.a.http.patch(
        message_url(chat["id"], gone["id"]), json={"text": "x"}, headers=bearer(alice_token)
    )
    assert assert_error(again, 409)["code"] == "message_deleted"
    assert assert_error(edit, 409)["code"] == "message_deleted"


async def test_a_room_owner_deletes_any_message_of_the_room(doors: Doors) -> None:
    (_owner, owner_token), (bob, bob_token), (carol, carol_token) = await new_users(doors.a.http, 3)
    room = await group_chat(doors.a.http, owner_token, [bob["id"], carol["id"]])
    spam = await post_message(doors.a.http, bob_token, room["id"], "buy now")

    by_carol = await doors.a.http.delete(
        message_url(room["id"], spam["id"]), headers=bearer(carol_token)
    )
    by_owner = await doors.b.http.delete(
        message_url(room["id"], spam["id"]), headers=bearer(owner_token)
    )

    assert assert_error(by_carol, 403)["code"] == "not_your_message"
    assert by_owner.status_code == 204


async def test_reactions_toggle_with_counts_and_me_per_reader(doors: Doors) -> None:
    (alice, alice_token), (bob, bob_token) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    sent = await post_message(doors.a.http, alice_token, chat["id"], "lunch?")
    alice_ws = await doors.b.ws(alice_token)

    for emoji in ("👍", "❤️"):
        put = await doors.a.http.put(
            reaction_url(chat["id"], sent["id"], emoji), headers=bearer(bob_token)
        )
        assert put.status_code == 204
    twice = await doors.a.http.put(
        reaction_url(chat["id"], sent["id"], "👍"), headers=bearer(bob_token)
    )
    assert twice.status_code == 204
    expect(
        await doors.b.http.put(
            reaction_url(chat["id"], sent["id"], "👍"), headers=bearer(alice_token)
        ),
        204,
    )

    frames = [await alice_ws.recv("message_updated") for _ in range(3)]
    assert [f["change"] for f in frames] == ["reactions"] * 3
    await alice_ws.expect_nothing("message_updated", within=0.3)  # the repeat told nobody
    last = frames[-1]["message"]["reactions"]
    assert [(r["emoji"], r["count"]) for r in last] == [("👍", 2), ("❤️", 1)]
    assert last[0]["user_ids"] == [bob["id"], alice["id"]]
    as_bob = (await history(doors.a.http, bob_token, chat["id"]))["messages"][0]["reactions"]
    as_alice = (await history(doors.a.http, alice_token, chat["id"]))["messages"][0]["reactions"]
    assert [(r["emoji"], r["me"]) for r in as_bob] == [("👍", True), ("❤️", True)]
    assert [(r["emoji"], r["me"]) for r in as_alice] == [("👍", True), ("❤️", False)]

    expect(
        await doors.a.http.delete(
            reaction_url(chat["id"], sent["id"], "❤️"), headers=bearer(bob_token)
        ),
        204,
    )
    after = (await history(doors.a.http, bob_token, chat["id"]))["messages"][0]["reactions"]
    assert [(r["emoji"], r["count"]) for r in after] == [("👍", 2)]


@pytest.mark.parametrize("bad", ["a", "👍👍", ":thumbsup:", "x" * 300, "👍 "])
async def test_anything_but_one_emoji_is_422(doors: Doors, bad: str) -> None:
    (_alice, alice_token), (bob, _) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    sent = await post_message(doors.a.http, alice_token, chat["id"])

    refused = await doors.a.http.put(
        reaction_url(chat["id"], sent["id"], bad), headers=bearer(alice_token)
    )

    assert assert_error(refused, 422)["code"] == "invalid_emoji"
    assert (await history(doors.a.http, alice_token, chat["id"]))["messages"][0]["reactions"] == []


async def test_replies_over_rest_and_websocket_carry_a_preview(doors: Doors) -> None:
    (alice, alice_token), (bob, bob_token), (carol, _) = await new_users(doors.a.http, 3)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    elsewhere = await direct_chat(doors.a.http, alice_token, carol["id"])
    question = await post_message(doors.a.http, alice_token, chat["id"], "tea or coffee?")
    other = await post_message(doors.a.http, alice_token, elsewhere["id"], "hi carol")
    alice_ws = await doors.b.ws(alice_token)
    bob_ws = await doors.a.ws(bob_token)

    await bob_ws.send(
        {
            "type": "message",
            "chat_id": chat["id"],
            "text": "tea",
            "request_id": "r-1",
            "reply_to": question["id"],
        }
    )
    await bob_ws.recv("message_sent", request_id="r-1")
    live = (await alice_ws.recv("new_message"))["message"]
    assert live["reply_to"] == {
        "id": question["id"],
        "sender_id": alice["id"],
        "text_preview": "tea or coffee?",
        "deleted": False,
    }
    over_rest = expect(
        await doors.a.http.post(
            f"{API}/chats/{chat['id']}/messages",
            json={"text": "coffee", "reply_to": question["id"]},
            headers=bearer(alice_token),
        ),
        201,
    )
    assert over_rest["reply_to"]["id"] == question["id"]

    cross_chat = await doors.a.http.post(
        f"{API}/chats/{chat['id']}/messages",
        json={"text": "x", "reply_to": other["id"]},
        headers=bearer(alice_token),
    )
    assert assert_error(cross_chat, 422)["code"] == "invalid_reply_to"
    await bob_ws.send(
        {
            "type": "message",
            "chat_id": chat["id"],
            "text": "x",
            "request_id": "r-2",
            "reply_to": other["id"],
        }
    )
    error = await bob_ws.recv("error", request_id="r-2")
    assert error["code"] == "invalid_reply_to"
    assert len((await history(doors.a.http, alice_token, chat["id"]))["messages"]) == 3


async def test_sync_replays_missed_messages_then_changes_in_order(doors: Doors) -> None:
    (_alice, alice_token), (bob, bob_token) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    one = await post_message(doors.a.http, alice_token, chat["id"], "one")
    two = await post_message(doors.a.http, alice_token, chat["id"], "two")
    # Bob saw up to seq 2, then went away. Meanwhile:
    auth = bearer(alice_token)
    await doors.a.http.patch(message_url(chat["id"], one["id"]), json={"text": "ONE"}, headers=auth)
    three = await post_message(doors.a.http, alice_token, chat["id"], "three")
    await doors.a.http.put(reaction_url(chat["id"], two["id"], "🎉"), headers=auth)
    await doors.a.http.delete(message_url(chat["id"], three["id"]), headers=auth)
    await doors.a.http.patch(message_url(chat["id"], two["id"]), json={"text": "TWO"}, headers=auth)

    bob_ws = await doors.b.ws(bob_token)
    await bob_ws.send({"type": "sync", "chats": {chat["id"]: 2}})

    missed = await bob_ws.recv("new_message")
    assert (missed["message"]["seq"], missed["message"]["deleted"]) == (3, True)
    first = await bob_ws.recv("message_updated")
    second = await bob_ws.recv("message_updated")
    # Messages up to seq 2 changed since message 2 was sent, in the order of their latest change.
    assert (first["message"]["id"], first["message"]["text"]) == (one["id"], "ONE")
    assert (second["message"]["id"], second["message"]["text"]) == (two["id"], "TWO")
    assert [r["emoji"] for r in second["message"]["reactions"]] == ["🎉"]
    assert first["change_id"] < second["change_id"]
    await bob_ws.expect_nothing("message_updated", within=0.3)

    # From seq 3 with the finer cursor: message 3 (deleted after it was sent) and message 2's
    # edit, but not message 1's edit, whose change_id the client already has.
    await bob_ws.send(
        {"type": "sync", "chats": {chat["id"]: 3}, "changes": {chat["id"]: first["change_id"]}}
    )
    replayed = [await bob_ws.recv("message_updated") for _ in range(2)]
    assert [f["message"]["id"] for f in replayed] == [three["id"], two["id"]]
    assert replayed[0]["change"] == "deleted"
    await bob_ws.expect_nothing("message_updated", within=0.3)
    # Unread counts come from seqs only.
    assert (await get_chat(doors.b.http, bob_token, chat["id"]))["unread_count"] == 3


async def test_everything_reaches_members_on_both_gateways_at_once(doors: Doors) -> None:
    (_alice, alice_token), (bob, bob_token), (carol, carol_token) = await new_users(doors.a.http, 3)
    room = await group_chat(doors.a.http, alice_token, [bob["id"], carol["id"]], "Both")
    bob_ws, carol_ws = await doors.a.ws(bob_token), await doors.b.ws(carol_token)
    sent = await post_message(doors.a.http, alice_token, room["id"], "hi all")

    await doors.b.http.patch(
        message_url(room["id"], sent["id"]), json={"text": "hi all!"}, headers=bearer(alice_token)
    )
    frames = await asyncio.gather(bob_ws.recv("message_updated"), carol_ws.recv("message_updated"))

    assert {f["message"]["text"] for f in frames} == {"hi all!"}
    assert {f["change_id"] for f in frames} == {1}


async def test_mentions_are_counted_apart_and_a_muted_chat_says_so(doors: Doors) -> None:
    (_alice, alice_token), (bob, bob_token), (carol, carol_token) = await new_users(doors.a.http, 3)
    room = await group_chat(doors.a.http, alice_token, [bob["id"], carol["id"]])
    await post_message(doors.a.http, alice_token, room["id"], f"@{bob['username']} can you?")
    await post_message(doors.a.http, carol_token, room["id"], "and me")

    seen_by_bob = await get_chat(doors.b.http, bob_token, room["id"])
    assert (seen_by_bob["unread_count"], seen_by_bob["mention_count"]) == (2, 1)
    assert seen_by_bob["muted"] is False

    url = f"{API}/chats/{room['id']}/settings"
    muted = expect(
        await doors.b.http.patch(url, json={"muted": True}, headers=bearer(bob_token)), 200
    )
    assert (muted["muted"], muted["unread_count"]) == (True, 2)  # still counted
    assert (await get_chat(doors.a.http, carol_token, room["id"]))["muted"] is False  # own setting
    listed = expect(await doors.a.http.get(f"{API}/chats", headers=bearer(bob_token)), 200)
    assert [c["muted"] for c in listed["chats"] if c["id"] == room["id"]] == [True]
    bad = await doors.b.http.patch(url, json={"muted": "yes please"}, headers=bearer(bob_token))
    assert_error(bad, 422)
    _, eve_token = (await new_users(doors.a.http, 1))[0]
    assert_error(
        await doors.a.http.patch(url, json={"muted": True}, headers=bearer(eve_token)), 403
    )
