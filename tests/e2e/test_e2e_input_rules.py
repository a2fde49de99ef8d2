"""Input a server must refuse with a 4xx (never a 500), the same on SQLite and PostgreSQL:
control characters in every text field, name spoofing, invisible messages, ids in other
spellings, integers out of range, coerced types, malformed bodies (issue 10, items 4, 5, 8, 9).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from e2e_api import API, PASSWORD, assert_error, bearer, direct_chat, expect, new_user, unique
from e2e_pg import running_pg_server
from e2e_server import ServerProcess, running_server
from e2e_ws import open_ws

pytestmark = pytest.mark.timeout(120)

INT64_MAX = 2**63 - 1
BAD_CHARS = ["\x00", "\x01", "\x1b", "\x7f", "\x85"]
INVISIBLE = ["\u200b", "\u200b\u200c\u200d", "\u2060\ufeff", "\u3164", " \u2800 "]
BIDI = ["\u202e", "\u202d", "\u2066", "\u2067"]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def engine_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    """One server per database engine: every rule must hold on both."""
    workdir = tmp_path_factory.mktemp(f"rules-{request.param}")
    if request.param == "sqlite":
        with running_server(workdir / "data") as server:
            yield server
    else:
        with running_pg_server(workdir) as server:
            yield server


@dataclass
class World:
    http: httpx.AsyncClient
    server: ServerProcess
    me: dict[str, Any]
    token: str
    other: dict[str, Any]
    chat_id: str

    @property
    def auth(self) -> dict[str, str]:
        return bearer(self.token)


@pytest.fixture
async def world(engine_server: ServerProcess) -> AsyncIterator[World]:
    # No keep-alive reuse surprises: a 500 used to reset the next request's connection.
    async with httpx.AsyncClient(base_url=engine_server.base_url, timeout=20.0) as http:
        me, token = await new_user(http)
        other, _ = await new_user(http)
        chat = await direct_chat(http, token, other["id"])
        yield World(http, engine_server, me, token, other, chat["id"])


def _refused(resp: httpx.Response, status: int = 422) -> str:
    error = assert_error(resp, status)
    return str(error["code"])


# -- control characters, in every text field ----------------------------------------------


@pytest.mark.parametrize("char", BAD_CHARS)
async def test_control_characters_are_refused_in_every_text_field(world: World, char: str) -> None:
    http, auth, chat = world.http, world.auth, world.chat_id
    name = unique("cc")
    register = f"{API}/auth/register"
    cases: list[tuple[str, httpx.Response]] = [
        (
            "register username",
            await http.post(register, json={"username": f"a{char}b{name}", "password": PASSWORD}),
        ),
        (
            "register password",
            await http.post(register, json={"username": name, "password": f"pass{char}word1"}),
        ),
        (
            "register email",
            await http.post(
                register,
                json={"username": name, "password": PASSWORD, "email": f"a{char}@example.org"},
            ),
        ),
        (
            "register display name",
            await http.post(
                register, json={"username": name, "password": PASSWORD, "display_name": f"A{char}"}
            ),
        ),
        (
            "login username",
            await http.post(
                f"{API}/auth/login", json={"username": f"x{char}y", "password": PASSWORD}
            ),
        ),
        (
            "login email",
            await http.post(
                f"{API}/auth/login", json={"email": f"x{char}@y.org", "password": PASSWORD}
            ),
        ),
        (
            "profile display name",
            await http.patch(f"{API}/users/me", json={"display_name": f"A{char}B"}, headers=auth),
        ),
        ("user search", await http.get(f"{API}/users", params={"query": f"a{char}"}, headers=auth)),
        (
            "room title",
            await http.post(
                f"{API}/chats", json={"type": "group", "title": f"T{char}"}, headers=auth
            ),
        ),
        (
            "message text",
            await http.post(
                f"{API}/chats/{chat}/messages", json={"text": f"a{char}b"}, headers=auth
            ),
        ),
        (
            "request id",
            await http.post(
                f"{API}/chats/{chat}/messages",
                json={"text": "hi", "request_id": f"r{char}1"},
                headers=auth,
            ),
        ),
    ]
    for label, resp in cases:
        assert resp.status_code == 422, f"{label}: {resp.status_code} {resp.text[:200]}"
        _refused(resp)
    # Nothing was stored: the name is still free and the chat is still empty.
    expect(await http.post(register, json={"username": name, "password": PASSWORD}), 201)
    page = expect(await http.get(f"{API}/chats/{chat}/messages", headers=auth), 200)
    assert page["messages"] == []


async def test_message_text_keeps_tabs_and_line_breaks(world: World) -> None:
    text = "line one\n\tline two\r\nthree"
    url = f"{API}/chats/{world.chat_id}/messages"
    message = expect(await world.http.post(url, json={"text": text}, headers=world.auth), 201)
    assert message["text"] == text


async def test_lone_surrogates_are_refused(world: World) -> None:
    # Valid JSON (an escaped lone surrogate) that no database can store as UTF-8.
    body = b'{"text": "a\\ud800b"}'
    resp = await world.http.post(
        f"{API}/chats/{world.chat_id}/messages",
        content=body,
        headers={**world.auth, "content-type": "application/json"},
    )
    assert_error(resp, 422, field="text")


@pytest.mark.parametrize("char", BAD_CHARS)
async def test_control_characters_in_frames_get_error_frames(world: World, char: str) -> None:
    async with open_ws(world.server.ws_url, world.token) as ws:
        await ws.send(
            {"type": "message", "chat_id": world.chat_id, "text": f"a{char}b", "request_id": "r1"}
        )
        error = await ws.recv("error", request_id="r1")
        assert error["code"] == "invalid_text"
        await ws.send(
            {"type": "message", "chat_id": world.chat_id, "text": "hi", "request_id": f"r{char}"}
        )
        assert (await ws.recv("error"))["code"] == "invalid_request_id"
        await ws.roundtrip()  # still open


# -- name spoofing and invisible text -------------------------------------------------------


@pytest.mark.parametrize("char", BIDI)
async def test_bidi_overrides_are_refused_in_names(world: World, char: str) -> None:
    spoof = f"Ann{char}gnp.exe"
    resp = await world.http.patch(
        f"{API}/users/me", json={"display_name": spoof}, headers=world.auth
    )
    assert _refused(resp) == "invalid_display_name"
    resp = await world.http.post(
        f"{API}/auth/register",
        json={"username": unique("bidi"), "password": PASSWORD, "display_name": spoof},
    )
    assert _refused(resp) == "invalid_display_name"
    resp = await world.http.post(
        f"{API}/chats", json={"type": "group", "title": spoof}, headers=world.auth
    )
    assert _refused(resp) == "invalid_title"


@pytest.mark.parametrize("text", INVISIBLE)
async def test_invisible_only_text_is_refused(world: World, text: str) -> None:
    url = f"{API}/chats/{world.chat_id}/messages"
    assert _refused(await world.http.post(url, json={"text": text}, headers=world.auth)) == (
        "invalid_text"
    )
    resp = await world.http.patch(
        f"{API}/users/me", json={"display_name": text}, headers=world.auth
    )
    if text.strip():  # blank names fall back to the username; invisible ones are refused
        assert _refused(resp) == "invalid_display_name"
    async with open_ws(world.server.ws_url, world.token) as ws:
        await ws.send(
            {"type": "message", "chat_id": world.chat_id, "text": text, "request_id": "i1"}
        )
        assert (await ws.recv("error", request_id="i1"))["code"] == "invalid_text"


# -- one spelling per id ----------------------------------------------------------------------


def _spellings(canonical: str) -> list[str]:
    return [
        canonical.upper(),
        "{" + canonical + "}",
        "urn:uuid:" + canonical,
        canonical.replace("-", ""),
    ]


async def test_ids_in_other_spellings_are_refused_everywhere(world: World) -> None:
    http, auth, chat, other = world.http, world.auth, world.chat_id, world.other["id"]
    expect(await http.get(f"{API}/chats/{chat}", headers=auth), 200)
    for spelled in _spellings(chat):
        for resp in (
            await http.get(f"{API}/chats/{spelled}", headers=auth),
            await http.get(f"{API}/chats/{spelled}/messages", headers=auth),
            await http.post(f"{API}/chats/{spelled}/read", json={"seq": 0}, headers=auth),
            await http.get(
                f"{API}/chats/{chat}/messages", params={"before_id": spelled}, headers=auth
            ),
        ):
            _refused(resp)
    for spelled in _spellings(other):
        for resp in (
            await http.get(f"{API}/users/{spelled}", headers=auth),
            await http.post(f"{API}/chats", json={"partner_id": spelled}, headers=auth),
            await http.post(
                f"{API}/chats",
                json={"type": "group", "title": "T", "member_ids": [spelled]},
                headers=auth,
            ),
        ):
            _refused(resp)
    async with open_ws(world.server.ws_url, world.token) as ws:
        for spelled in _spellings(chat):
            await ws.send({"type": "message", "chat_id": spelled, "text": "x", "request_id": "s1"})
            assert (await ws.recv("error", request_id="s1"))["code"] == "invalid_field"
            await ws.send({"type": "sync", "chats": {spelled: 0}})
            assert (await ws.recv("error"))["code"] == "invalid_field"
    page = expect(await http.get(f"{API}/chats/{chat}/messages", headers=auth), 200)
    assert page["messages"] == []


# -- integers in range ------------------------------------------------------------------------


@pytest.mark.parametrize("value", [2**31, INT64_MAX, INT64_MAX + 1, 10**30])
async def test_integers_out_of_range_are_422_never_500(world: World, value: int) -> None:
    http, auth, chat = world.http, world.auth, world.chat_id
    for resp in (
        await http.get(f"{API}/chats/{chat}/messages", params={"after_seq": value}, headers=auth),
        await http.get(f"{API}/chats/{chat}/messages", params={"limit": value}, headers=auth),
        await http.get(f"{API}/chats", params={"offset": value}, headers=auth),
        await http.get(f"{API}/chats", params={"limit": value}, headers=auth),
        await http.get(f"{API}/users", params={"query": "a", "limit": value}, headers=auth),
        await http.get(f"{API}/chats/{chat}/advice", params={"limit": value}, headers=auth),
        await http.post(f"{API}/chats/{chat}/read", json={"seq": value}, headers=auth),
    ):
        _refused(resp)
    # The same keep-alive connection still answers.
    expect(await http.get(f"{API}/chats/{chat}", headers=auth), 200)
    async with open_ws(world.server.ws_url, world.token) as ws:
        await ws.send({"type": "sync", "chats": {chat: value}})
        assert (await ws.recv("error"))["code"] == "invalid_field"
        await ws.send({"type": "read", "chat_id": chat, "seq": value})
        # (10**30 reaches the server as a float: a wrong type rather than a wrong value.)
        assert (await ws.recv("error"))["code"] in ("invalid_seq", "invalid_field")
        await ws.roundtrip()


async def test_the_largest_seq_is_accepted(world: World) -> None:
    http, auth, chat = world.http, world.auth, world.chat_id
    top = 2**31 - 1
    page = expect(
        await http.get(f"{API}/chats/{chat}/messages", params={"after_seq": top}, headers=auth), 200
    )
    assert page["messages"] == []
    expect(await http.post(f"{API}/chats/{chat}/read", json={"seq": top}, headers=auth), 204)


# -- no coercion ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, 1, "true", "false", None, [], {}])
async def test_booleans_are_strict(world: World, value: object) -> None:
    resp = await world.http.patch(
        f"{API}/users/me", json={"discoverable": value}, headers=world.auth
    )
    if value is None:
        expect(resp, 200)  # "not changing it"
    else:
        _refused(resp)


@pytest.mark.parametrize("value", ["1", "yes", "on", "True", "0"])
async def test_query_booleans_are_true_or_false(world: World, value: str) -> None:
    resp = await world.http.get(f"{API}/chats", params={"unread_only": value}, headers=world.auth)
    _refused(resp)


@pytest.mark.parametrize("value", ["1", 1.5, True, None, [1]])
async def test_integers_are_strict(world: World, value: object) -> None:
    url = f"{API}/chats/{world.chat_id}/read"
    _refused(await world.http.post(url, json={"seq": value}, headers=world.auth))


async def test_an_integer_may_be_written_with_a_zero_fraction(world: World) -> None:
    """JSON Schema's integer (what the OpenAPI document says) includes 1.0."""
    url = f"{API}/chats/{world.chat_id}/read"
    expect(await world.http.post(url, json={"seq": 1.0}, headers=world.auth), 204)


# -- malformed bodies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b'{"text": "\xff\xfe"}', b"[" * 100_000 + b"]" * 100_000, b'{"text": ', b"\xef\xbb"],
    ids=["invalid utf-8", "too deep", "truncated", "half a BOM"],
)
async def test_every_kind_of_bad_json_is_invalid_json(world: World, body: bytes) -> None:
    resp = await world.http.post(
        f"{API}/chats/{world.chat_id}/messages",
        content=body,
        headers={**world.auth, "content-type": "application/json"},
    )
    assert assert_error(resp, 400)["code"] == "invalid_json"


async def test_a_chunked_body_over_the_limit_is_413(world: World) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(300):
            yield b"x" * 8192  # 2.4 MB in all, with no Content-Length
        yield b'"}'

    async def body() -> AsyncIterator[bytes]:
        for chunk in chunks():
            yield chunk

    resp = await world.http.post(
        f"{API}/chats/{world.chat_id}/messages",
        content=body(),
        headers={**world.auth, "content-type": "application/json"},
    )
    assert "content-length" not in resp.request.headers
    assert assert_error(resp, 413)["code"] == "payload_too_large"


async def test_group_and_direct_fields_do_not_mix(world: World) -> None:
    http, auth = world.http, world.auth
    for body in (
        {"type": "group"},  # a room needs a title
        {"type": "group", "title": "T", "partner_id": world.other["id"]},
        {"partner_id": world.other["id"], "title": "T"},
        {},
        {"type": "channel", "title": "T"},
    ):
        _refused(await http.post(f"{API}/chats", json=body, headers=auth))


async def test_one_code_per_kind_of_problem(world: World) -> None:
    """However far past a rule the input is, the same rule answers with the same code."""
    http, auth = world.http, world.auth
    url = f"{API}/chats/{world.chat_id}/messages"
    for size in (4097, 200_000):
        too_long = await http.post(url, json={"text": "x" * size}, headers=auth)
        assert _refused(too_long) == "text_too_long", size
    register = f"{API}/auth/register"
    for password in ("short", "x" * 129, "x" * 5000):
        resp = await http.post(register, json={"username": unique("pw"), "password": password})
        assert _refused(resp) == "invalid_password", len(password)
    for username in ("ab", "x" * 51, "x" * 500, "bad name"):
        resp = await http.post(register, json={"username": username, "password": PASSWORD})
        assert _refused(resp) == "invalid_username", username
    for title in ("", "x" * 101, "x" * 5000):
        resp = await http.post(f"{API}/chats", json={"type": "group", "title": title}, headers=auth)
        assert _refused(resp) == "invalid_title", len(title)
    for name in ("x" * 101, "x" * 5000):
        resp = await http.patch(f"{API}/users/me", json={"display_name": name}, headers=auth)
        assert _refused(resp) == "invalid_display_name", len(name)
    for request_id in ("", "r" * 101):
        resp = await http.post(url, json={"text": "hi", "request_id": request_id}, headers=auth)
        assert _refused(resp) == "invalid_request_id", len(request_id)
