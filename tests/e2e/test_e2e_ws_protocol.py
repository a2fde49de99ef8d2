"""WebSocket protocol edges: authentication, ping, bad frames, frame size."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from e2e_api import SNAKE_CASE, all_messages, bearer, direct_chat, get_chat, new_user, new_users
from e2e_jwt import forged_tokens
from e2e_server import ServerProcess
from e2e_ws import Json, WsClient, WsConnect, open_ws
from websockets.exceptions import InvalidStatus

pytestmark = pytest.mark.timeout(60)

SILENT_TYPES = ("new_message", "typing", "read", "message_sent")


def bad_frames(chat_id: str, foreign_chat_id: str) -> list[tuple[str, str]]:
    """(label, raw text) of every kind of frame the server must answer with an error."""

    def message(**fields: object) -> str:
        return json.dumps({"type": "message", "request_id": str(uuid.uuid4()), **fields})

    frames: list[tuple[str, object]] = [
        (
            "typing to a chat the user is not in",
            {"type": "typing", "chat_id": foreign_chat_id, "is_typing": True},
        ),
        (
            "read in a chat the user is not in",
            {"type": "read", "chat_id": foreign_chat_id, "seq": 1},
        ),
        ("unknown type", {"type": "teleport", "chat_id": chat_id}),
        ("type not a string", {"type": 7, "chat_id": chat_id}),
        ("no type", {"chat_id": chat_id, "text": "typeless"}),
        (
            "typing with a non-boolean is_typing",
            {"type": "typing", "chat_id": chat_id, "is_typing": [1]},
        ),
        ("read with a non-integer seq", {"type": "read", "chat_id": chat_id, "seq": "two"}),
        ("sync with a non-object chats", {"type": "sync", "chats": [chat_id]}),
        ("typing without chat_id or default", {"type": "typing", "is_typing": True}),
    ]
    raw: list[tuple[str, str]] = [
        ("not JSON", "hello {"),
        ("JSON array", "[1, 2]"),
        ("JSON string", '"message"'),
        ("JSON null", "null"),
        ("message without text", message(chat_id=chat_id)),
        ("message without chat_id or default", message(text="where to?")),
        ("message to a chat the user is not in", message(chat_id=foreign_chat_id, text="hi")),
        ("message to an unknown chat", message(chat_id=str(uuid.uuid4()), text="hi")),
        ("message with a malformed chat_id", message(chat_id="not-a-chat", text="hi")),
        ("message with text over 4096", message(chat_id=chat_id, text="x" * 4097)),
        ("message with blank text", message(chat_id=chat_id, text="   ")),
        ("message with a non-string text", message(chat_id=chat_id, text=123)),
        (
            "message with a non-string request_id",
            json.dumps({"type": "message", "chat_id": chat_id, "text": "hi", "request_id": 5}),
        ),
    ]
    return raw + [(label, json.dumps(frame)) for label, frame in frames]


async def check_error_reply(ws: WsClient, label: str, raw: str) -> str | None:
    """Send one bad frame; return a problem description, or None if it got a proper error."""
    await ws.send_raw(raw)
    try:
        error = await ws.recv("error", wait=3)
    except AssertionError as exc:
        return f"{label}: {exc}"
    if not (isinstance(error.get("code"), str) and SNAKE_CASE.match(error["code"])):
        return f"{label}: bad error code in {error}"
    if not isinstance(error.get("message"), str):
        return f"{label}: no message in {error}"
    try:
        sent = json.loads(raw)
    except ValueError:
        return None
    request_id = sent.get("request_id") if isinstance(sent, dict) else None
    if "request_id" in error and isinstance(request_id, str) and error["request_id"] != request_id:
        return f"{label}: error request_id {error['request_id']!r} != {request_id!r}"
    return None


@pytest.mark.timeout(90)
async def test_every_bad_frame_gets_an_error_and_changes_nothing(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (_, alice_token), (bob, bob_token), (_, carol_token), (dave, _) = await new_users(http, 4)
    chat = await direct_chat(http, alice_token, bob["id"])
    foreign = await direct_chat(http, carol_token, dave["id"])
    alice_ws, bob_ws, carol_ws = [
        await ws_connect(t) for t in (alice_token, bob_token, carol_token)
    ]
    await asyncio.gather(alice_ws.roundtrip(), bob_ws.roundtrip(), carol_ws.roundtrip())

    problems = [
        problem
        for label, raw in bad_frames(chat["id"], foreign["id"])
        if (problem := await check_error_reply(alice_ws, label, raw)) is not None
    ]
    assert not problems, "\n".join(problems)

    await alice_ws.roundtrip()
    for frame_type in SILENT_TYPES:
        await alice_ws.expect_nothing(frame_type, within=0.1)
        await bob_ws.expect_nothing(frame_type, within=0.1)
        await carol_ws.expect_nothing(frame_type, within=0.1)
    assert await all_messages(http, alice_token, chat["id"]) == []
    assert await all_messages(http, carol_token, foreign["id"]) == []
    assert (await get_chat(http, alice_token, chat["id"]))["last_seq"] == 0


async def test_ping_gets_pong(http: httpx.AsyncClient, ws_connect: WsConnect) -> None:
    _, token = await new_user(http)
    ws = await ws_connect(token)
    for _ in range(3):
        await ws.send({"type": "ping"})
        await ws.recv("pong")


async def test_bad_or_missing_token_closes_with_4401(
    http: httpx.AsyncClient, server: ServerProcess
) -> None:
    _, token = await new_user(http)
    attempts: dict[str, tuple[str | None, dict[str, str] | None]] = {
        "no token": (None, None),
        "bad header token": (None, bearer("not-a-jwt")),
        **{f"{name} in query": (bad, None) for name, bad in forged_tokens(token).items()},
    }
    problems: list[str] = []
    for name, (query_token, headers) in attempts.items():
        try:
            async with open_ws(server.ws_url, query_token, headers=headers) as ws:
                code = await ws.wait_closed()
                if code != 4401 or ws.pending:
                    problems.append(f"{name}: close code {code}, frames before: {ws.pending}")
        except InvalidStatus as exc:
            problems.append(f"{name}: handshake refused with HTTP {exc.response.status_code}")
    assert not problems, "\n".join(problems)


async def test_token_in_authorization_header(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (_, alice_token), (bob, bob_token) = await new_users(http, 2)
    chat = await direct_chat(http, alice_token, bob["id"])
    bob_ws = await ws_connect(None, headers=bearer(bob_token))
    await bob_ws.roundtrip()
    alice_ws = await ws_connect(alice_token)
    await alice_ws.send(
        {"type": "message", "chat_id": chat["id"], "text": "hdr", "request_id": "h1"}
    )
    await alice_ws.recv("message_sent", request_id="h1")
    assert (await bob_ws.recv("new_message"))["message"]["text"] == "hdr"


async def test_frame_over_64_kib_closes_with_1009(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (_, alice_token), (bob, _) = await new_users(http, 2)
    chat = await direct_chat(http, alice_token, bob["id"])
    ws = await ws_connect(alice_token, compression=None)

    def frame_of(size: int) -> str:
        frame: Json = {"type": "message", "chat_id": chat["id"], "request_id": "big", "text": ""}
        frame["text"] = "x" * (size - len(json.dumps(frame)))
        return json.dumps(frame)

    await ws.send_raw(frame_of(60_000))  # under the frame limit, over the text limit
    await ws.recv("error")
    await ws.roundtrip()
    await ws.send_raw(frame_of(70_000))
    assert await ws.wait_closed() == 1009
    assert await all_messages(http, alice_token, chat["id"]) == []
