"""Sessions (issue 10, items 2 and 3): logout, logout everywhere, password change and account
deletion end tokens (401) and close the sockets opened with them (4401); a correctly signed
token of a user who does not exist is refused at every authenticated entry point."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from e2e_api import (
    API,
    PASSWORD,
    assert_error,
    bearer,
    direct_chat,
    expect,
    group_chat,
    login,
    new_user,
    new_users,
    post_message,
    register,
)
from e2e_server import ServerProcess
from e2e_ws import WsConnect, open_ws

pytestmark = pytest.mark.timeout(90)

NEW_PASSWORD = "a-brand-new-password"
PUBLIC_PATHS = {"/api/v1/auth/register", "/api/v1/auth/login"}  # 401 = bad credentials there


async def session_ended(http: httpx.AsyncClient, token: str) -> None:
    """The token is refused as the contract says (401, `session_ended`)."""
    error = assert_error(await http.get(f"{API}/users/me", headers=bearer(token)), 401)
    assert error["code"] == "session_ended", error


async def test_logout_ends_this_session_and_closes_its_sockets(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    me, phone = await new_user(http)
    laptop = (await login(http, me["username"]))["token"]
    phone_ws, laptop_ws = await ws_connect(phone), await ws_connect(laptop)
    await phone_ws.roundtrip()

    expect(await http.post(f"{API}/auth/logout", headers=bearer(phone)), 204)

    assert await phone_ws.wait_closed() == 4401
    await session_ended(http, phone)
    expect(await http.get(f"{API}/users/me", headers=bearer(laptop)), 200)
    await laptop_ws.roundtrip()  # the other session's socket is untouched
    async with open_ws(http.base_url.__str__().replace("http", "ws", 1), phone) as again:
        assert await again.wait_closed() == 4401


async def test_logout_all_ends_every_session(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    me, first = await new_user(http)
    tokens = [first] + [(await login(http, me["username"]))["token"] for _ in range(2)]
    sockets = [await ws_connect(token) for token in tokens]

    expect(await http.post(f"{API}/auth/logout-all", headers=bearer(tokens[1])), 204)

    for ws in sockets:
        assert await ws.wait_closed() == 4401
    for token in tokens:
        await session_ended(http, token)
    expect(await http.post(f"{API}/auth/logout", headers=bearer(first)), 401)


async def test_a_password_change_ends_every_other_session(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    me, here = await new_user(http)
    elsewhere = (await login(http, me["username"]))["token"]
    here_ws, elsewhere_ws = await ws_connect(here), await ws_connect(elsewhere)
    url = f"{API}/auth/password"

    wrong = await http.post(
        url,
        json={"old_password": "not-my-password", "new_password": NEW_PASSWORD},
        headers=bearer(here),
    )
    assert assert_error(wrong, 403)["code"] == "wrong_password"
    short = await http.post(
        url, json={"old_password": PASSWORD, "new_password": "short"}, headers=bearer(here)
    )
    assert_error(short, 422, field="new_password")
    expect(await http.get(f"{API}/users/me", headers=bearer(elsewhere)), 200)

    change = {"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    expect(await http.post(url, json=change, headers=bearer(here)), 204)

    assert await elsewhere_ws.wait_closed() == 4401
    await session_ended(http, elsewhere)
    await here_ws.roundtrip()
    expect(await http.get(f"{API}/users/me", headers=bearer(here)), 200)
    old = await http.post(
        f"{API}/auth/login", json={"username": me["username"], "password": PASSWORD}
    )
    assert_error(old, 401)
    await login(http, me["username"], NEW_PASSWORD)


async def test_deleting_an_account(http: httpx.AsyncClient, ws_connect: WsConnect) -> None:
    """Sessions end at once; the profile, memberships, cursors and assistant bindings go;
    messages in the others' chats stay, their sender shown as a deleted account."""
    (gone, gone_token), (friend, friend_token), (third, third_token) = await new_users(http, 3)
    direct = await direct_chat(http, gone_token, friend["id"])
    room = await group_chat(http, gone_token, [friend["id"], third["id"]], title="Club")
    await post_message(http, gone_token, direct["id"], "remember me")
    await post_message(http, gone_token, room["id"], "hello club")
    expect(
        await http.post(
            f"{API}/chats/{room['id']}/ai-bindings",
            json={"type": "advice"},
            headers=bearer(gone_token),
        ),
        201,
    )
    gone_ws, friend_ws = await ws_connect(gone_token), await ws_connect(friend_token)
    await friend_ws.roundtrip()

    wrong = await http.request(
        "DELETE", f"{API}/users/me", json={"password": "not-it-at-all"}, headers=bearer(gone_token)
    )
    assert assert_error(wrong, 403)["code"] == "wrong_password"
    deleted = await http.request(
        "DELETE", f"{API}/users/me", json={"password": PASSWORD}, headers=bearer(gone_token)
    )
    expect(deleted, 204)

    assert await gone_ws.wait_closed() == 4401
    await session_ended(http, gone_token)
    no_login = await http.post(
        f"{API}/auth/login", json={"username": gone["username"], "password": PASSWORD}
    )
    assert_error(no_login, 401)

    # The room: the owner left (ownership passed on), everyone got member_left.
    left = await friend_ws.recv("member_left", chat_id=room["id"], user_id=gone["id"])
    assert left["user_id"] == gone["id"]
    room_now = await eventually_chat(http, friend_token, room["id"], members_count=2)
    assert room_now["owner_id"] in (friend["id"], third["id"])
    members = expect(
        await http.get(f"{API}/chats/{room['id']}/members", headers=bearer(third_token)), 200
    )["members"]
    assert gone["id"] not in {m["user"]["id"] for m in members}
    # The messages stay, with the deleted account as sender.
    history = expect(
        await http.get(f"{API}/chats/{room['id']}/messages", headers=bearer(third_token)), 200
    )["messages"]
    assert [(m["sender_id"], m["text"]) for m in history] == [(gone["id"], "hello club")]
    # The direct chat stays for the friend, with the partner shown as deleted.
    chat = await eventually_chat(http, friend_token, direct["id"], members_count=1)
    assert chat["partner"]["id"] == gone["id"]
    assert chat["partner"]["deleted"] is True
    assert chat["partner"]["display_name"] == "Deleted account"
    assert chat["last_message"]["text"] == "remember me"
    profile = expect(await http.get(f"{API}/users/{gone['id']}", headers=bearer(friend_token)), 200)
    assert profile == {
        "id": gone["id"],
        "username": "",
        "display_name": "Deleted account",
        "online": False,
        "last_seen_at": None,
        "deleted": True,
    }
    found = expect(
        await http.get(
            f"{API}/users", params={"query": gone["username"]}, headers=bearer(friend_token)
        ),
        200,
    )
    assert found["users"] == []
    # Nobody can start a chat with, or invite, a deleted account.
    assert_error(
        await http.post(
            f"{API}/chats", json={"partner_id": gone["id"]}, headers=bearer(third_token)
        ),
        404,
    )
    assert_error(
        await http.post(
            f"{API}/chats/{room['id']}/members",
            json={"user_id": gone["id"]},
            headers=bearer(third_token),
        ),
        404,
    )
    # The username is free again.
    await register(http, gone["username"])


async def eventually_chat(
    http: httpx.AsyncClient, token: str, chat_id: str, **expected: Any
) -> dict[str, Any]:
    """The chat once the erasure (an event consumer, a few ms behind) shows `expected`."""
    chat: dict[str, Any] = {}
    for _ in range(100):
        chat = expect(await http.get(f"{API}/chats/{chat_id}", headers=bearer(token)), 200)
        if all(chat.get(k) == v for k, v in expected.items()):
            return chat
        await asyncio.sleep(0.05)
    raise AssertionError(f"chat never showed {expected}: {chat}")


def ghost_token(server: ServerProcess) -> str:
    """A token signed with the server's own secret for a user (and session) it never had."""
    secret = (server.data_dir / "jwt_secret").read_text().strip()
    now = datetime.now(UTC)
    user = str(uuid.uuid4())
    claims = {
        "sub": user,
        "user_id": user,
        "username": "ghost",
        "jti": str(uuid.uuid4()),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(hours=1)).timestamp()),
    }
    return jwt.encode(claims, secret, algorithm="HS256")


async def test_a_signed_token_of_an_unknown_user_is_refused_everywhere(
    http: httpx.AsyncClient, server: ServerProcess
) -> None:
    """Every operation of the OpenAPI that needs a token answers 401 to a ghost's."""
    real, real_token = await new_user(http)
    chat = await direct_chat(http, real_token, (await new_user(http))[0]["id"])
    token = ghost_token(server)
    spec = expect(await http.get("/openapi.json"), 200)
    ids = {
        "chat_id": chat["id"],
        "user_id": real["id"],
        "binding_id": str(uuid.uuid4()),
        "message_id": str(uuid.uuid4()),
        "file_id": str(uuid.uuid4()),
        "entry_id": str(uuid.uuid4()),
        "emoji": "%F0%9F%91%8D",
        "variant": "original",
    }
    bodies = {
        "/api/v1/chats": {"partner_id": real["id"]},
        "/api/v1/chats/{chat_id}/messages": {"text": "boo"},
        "/api/v1/chats/{chat_id}/read": {"seq": 0},
        "/api/v1/chats/{chat_id}/members": {"user_id": real["id"]},
        "/api/v1/chats/{chat_id}/ai-bindings": {"type": "advice"},
        "/api/v1/auth/password": {"old_password": PASSWORD, "new_password": NEW_PASSWORD},
        "/api/v1/users/me": {"password": PASSWORD},
    }
    checked = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if "401" not in operation.get("responses", {}) or path in PUBLIC_PATHS:
                continue
            url = path.format(**ids)
            body = bodies.get(path) if method in ("post", "patch", "delete", "put") else None
            if method == "patch":
                body = {"display_name": "Ghost"}
            resp = await http.request(method, url, json=body, headers=bearer(token))
            assert resp.status_code == 401, f"{method.upper()} {path}: {resp.status_code}"
            checked.append(f"{method} {path}")
    assert len(checked) >= 20, checked
    async with open_ws(server.ws_url, token) as ws:
        assert await ws.wait_closed() == 4401
    # Nothing was created for the ghost: the real user's chat list is as it was.
    chats = expect(await http.get(f"{API}/chats", headers=bearer(real_token)), 200)
    assert [c["id"] for c in chats["chats"]] == [chat["id"]]
