"""REST helpers and contract assertions shared by the end-to-end tests."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

Json = dict[str, Any]
API = "/api/v1"
PASSWORD = "correct-horse-battery"
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9_]*$")
MESSAGE_FIELDS = {
    "id",
    "chat_id",
    "seq",
    "sender_id",
    "text",
    "created_at",
    "edited_at",
    "ai_generated",
    "request_id",
}
CHAT_FIELDS = {
    "id",
    "type",
    "title",
    "members_count",
    "last_message",
    "last_seq",
    "last_read_seq",
    "unread_count",
    "updated_at",
}
PUBLIC_USER_FIELDS = {"id", "username", "display_name"}


def unique(prefix: str = "u") -> str:
    """A username no other test uses."""
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a token."""
    return {"Authorization": f"Bearer {token}"}


def http_client(base_url: str) -> httpx.AsyncClient:
    """An HTTP client bound to one server."""
    return httpx.AsyncClient(base_url=base_url, timeout=20.0)


def assert_uuid(value: object, version: int | None = None) -> None:
    """Assert that value is a UUID string (of the given version)."""
    assert isinstance(value, str), f"{value!r} is not a string"
    parsed = uuid.UUID(value)
    if version is not None:
        assert parsed.version == version, f"{value} is not a UUIDv{version}"


def assert_timestamp(value: object) -> datetime:
    """Assert that value is an RFC 3339 timestamp in UTC and return it."""
    assert isinstance(value, str), f"{value!r} is not a string"
    parsed = datetime.fromisoformat(value)
    assert parsed.utcoffset() == timedelta(0), f"{value} is not in UTC"
    return parsed


def expect(resp: httpx.Response, status: int) -> Any:
    """Assert the status code and return the decoded JSON body (None when not JSON)."""
    assert resp.status_code == status, (
        f"{resp.request.method} {resp.request.url.path}: expected {status}, "
        f"got {resp.status_code}: {resp.text[:500]}"
    )
    is_json = "json" in resp.headers.get("content-type", "")
    return resp.json() if resp.content and is_json else None


def assert_error(resp: httpx.Response, status: int, *, field: str | None = None) -> Json:
    """Assert a contract error body `{"error": {"code", "message"}}` and return the error."""
    body = expect(resp, status)
    assert isinstance(body, dict), body
    error = body.get("error")
    assert isinstance(error, dict), f"no error object in {body}"
    code, message = error.get("code"), error.get("message")
    assert isinstance(code, str) and SNAKE_CASE.match(code), f"bad error code in {body}"
    assert isinstance(message, str) and message, f"bad error message in {body}"
    if field is not None:
        assert field.lower() in message.lower(), f"{field!r} not named in {message!r}"
    return error


def assert_message(message: Json, **expected: Any) -> None:
    """Assert a message object has the contract fields and the expected values."""
    assert message.keys() >= MESSAGE_FIELDS, f"missing {MESSAGE_FIELDS - message.keys()}"
    assert_uuid(message["id"], version=7)
    assert isinstance(message["seq"], int)
    assert_timestamp(message["created_at"])
    for key, value in expected.items():
        assert message[key] == value, f"{key}: expected {value!r}, got {message[key]!r}"


def assert_chat(chat: Json, **expected: Any) -> None:
    """Assert a chat object has the contract fields and the expected values."""
    assert chat.keys() >= CHAT_FIELDS, f"missing {CHAT_FIELDS - chat.keys()}"
    assert_timestamp(chat["updated_at"])
    for key, value in expected.items():
        assert chat[key] == value, f"{key}: expected {value!r}, got {chat[key]!r}"


async def register(
    http: httpx.AsyncClient, username: str | None = None, password: str = PASSWORD, **extra: str
) -> Json:
    """Register a user (201) and return the created user."""
    payload = {"username": username or unique(), "password": password, **extra}
    body: Json = expect(await http.post(f"{API}/auth/register", json=payload), 201)
    return body


async def login(http: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Json:
    """Log in (200) and return the token response."""
    payload = {"username": username, "password": password}
    body: Json = expect(await http.post(f"{API}/auth/login", json=payload), 200)
    return body


async def new_user(http: httpx.AsyncClient, prefix: str = "u") -> tuple[Json, str]:
    """Register and log in a fresh user; return (user, token)."""
    user = await register(http, unique(prefix))
    session = await login(http, user["username"])
    return user, str(session["token"])


async def new_users(http: httpx.AsyncClient, count: int) -> list[tuple[Json, str]]:
    """Several fresh users, registered concurrently."""
    return list(await asyncio.gather(*(new_user(http) for _ in range(count))))


async def direct_chat(http: httpx.AsyncClient, token: str, partner_id: str) -> Json:
    """Open (or get) the direct chat with a partner."""
    resp = await http.post(f"{API}/chats", json={"partner_id": partner_id}, headers=bearer(token))
    assert resp.status_code in (200, 201), resp.text
    body: Json = resp.json()
    return body


async def bind(http: httpx.AsyncClient, token: str, chat_id: str, kind: str) -> Json:
    """Bind the assistant (`advice` or `autoreply`) to the token owner's side of a chat."""
    body: Json = expect(
        await http.post(
            f"{API}/chats/{chat_id}/ai-bindings", json={"type": kind}, headers=bearer(token)
        ),
        201,
    )
    return body


async def group_chat(
    http: httpx.AsyncClient, token: str, member_ids: list[str], title: str = "Team"
) -> Json:
    """Create a group chat (201) owned by the token's user."""
    payload = {"type": "group", "title": title, "member_ids": member_ids}
    body: Json = expect(await http.post(f"{API}/chats", json=payload, headers=bearer(token)), 201)
    return body


async def get_chat(http: httpx.AsyncClient, token: str, chat_id: str) -> Json:
    """GET one chat (200) as seen by the token's user."""
    body: Json = expect(await http.get(f"{API}/chats/{chat_id}", headers=bearer(token)), 200)
    return body


async def post_message(
    http: httpx.AsyncClient,
    token: str,
    chat_id: str,
    text: str = "hello",
    request_id: str | None = None,
) -> Json:
    """POST a new message (201) and return it."""
    payload: Json = {"text": text}
    if request_id is not None:
        payload["request_id"] = request_id
    url = f"{API}/chats/{chat_id}/messages"
    body: Json = expect(await http.post(url, json=payload, headers=bearer(token)), 201)
    return body


async def post_many(
    http: httpx.AsyncClient, token: str, chat_id: str, count: int, *, chunk: int = 25
) -> list[Json]:
    """POST `count` messages, `chunk` at a time concurrently; return them in seq order."""
    posted: list[Json] = []
    for start in range(0, count, chunk):
        texts = [f"m{n}" for n in range(start, min(start + chunk, count))]
        posted += await asyncio.gather(*(post_message(http, token, chat_id, t) for t in texts))
    return sorted(posted, key=lambda message: int(message["seq"]))


async def history(http: httpx.AsyncClient, token: str, chat_id: str, **params: Any) -> Json:
    """GET one page of a chat's history (200)."""
    url = f"{API}/chats/{chat_id}/messages"
    body: Json = expect(await http.get(url, params=params, headers=bearer(token)), 200)
    return body


async def all_messages(http: httpx.AsyncClient, token: str, chat_id: str) -> list[Json]:
    """The whole history of a chat in ascending seq order, paged backwards by before_id."""
    page = await history(http, token, chat_id, limit=200)
    messages: list[Json] = page["messages"]
    while page["has_previous"] and page["messages"]:
        before = page["messages"][0]["id"]
        page = await history(http, token, chat_id, limit=200, before_id=before)
        messages = page["messages"] + messages
    return messages
