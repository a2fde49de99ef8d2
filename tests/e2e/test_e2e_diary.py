"""The diary over a real `hubbub serve`: write, list, read, revise with a version, delete,
export, erase; only the author sees an entry; bad input is a clear 4xx that changes nothing;
an account's deletion erases its diary."""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

import httpx
import pytest
from e2e_api import API, PASSWORD, assert_error, assert_timestamp, assert_uuid, bearer, expect
from e2e_api import new_user as _new_user
from e2e_server import ServerProcess

pytestmark = pytest.mark.timeout(120)
ENTRIES = f"{API}/diary/entries"


async def new_user(http: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, str]]:
    user, token = await _new_user(http, "diary")
    return user, bearer(token)


async def write(
    http: httpx.AsyncClient, auth: dict[str, str], *, settle: bool = True, **body: Any
) -> dict[str, Any]:
    """A new entry; with `settle`, as it is once the mood role has analysed it (the server
    runs the mood role, which appends its analysis to the entry's stream a moment later)."""
    resp = await http.post(ENTRIES, json={"text": "A day", **body}, headers=auth)
    entry: dict[str, Any] = expect(resp, 201)
    assert resp.headers["ETag"] == f'"{entry["version"]}"'
    return await settled(http, auth, entry) if settle else entry


async def settled(
    http: httpx.AsyncClient, auth: dict[str, str], entry: dict[str, Any]
) -> dict[str, Any]:
    """The entry once its current text has a mood (within a minute on a busy machine)."""
    url = f"{ENTRIES}/{entry['id']}"
    for _ in range(600):
        seen: dict[str, Any] = expect(await http.get(url, headers=auth), 200)
        if seen["mood"] is not None:
            assert seen["version"] > entry["version"]
            return seen
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mood for {entry['id']} within a minute")


async def test_write_read_revise_and_delete_an_entry(http: httpx.AsyncClient) -> None:
    _, auth = await new_user(http)
    entry = await write(
        http,
        auth,
        settle=False,
        text="  Walked by the sea.\n",
        title="Sea",
        self_rating=4,
        tags=["#Walk", "walk"],
    )
    assert entry.keys() == {
        "id",
        "title",
        "text",
        "created_at",
        "updated_at",
        "self_rating",
        "tags",
        "version",
        "mood",
    }
    assert_uuid(entry["id"], version=7)
    assert_timestamp(entry["created_at"])
    assert (entry["text"], entry["title"], entry["tags"], entry["self_rating"]) == (
        "Walked by the sea.",
        "Sea",
        ["walk"],
        4,
    )
    assert entry["version"] == 1 and entry["mood"] is None
    url = f"{ENTRIES}/{entry['id']}"
    # The mood role appends its analysis: version 2, the text and the rest as written.
    analysed = await settled(http, auth, entry)
    assert analysed["version"] == 2 and analysed["mood"]["model"]
    assert {k: v for k, v in analysed.items() if k not in ("version", "mood")} == {
        k: v for k, v in entry.items() if k not in ("version", "mood")
    }
    assert expect(await http.get(url, headers=auth), 200) == analysed

    newer = await write(http, auth, text="Second")
    listed = expect(await http.get(ENTRIES, params={"limit": 1}, headers=auth), 200)
    assert [e["id"] for e in listed["entries"]] == [newer["id"]] and listed["has_more"]
    older = expect(await http.get(ENTRIES, params={"before_id": newer["id"]}, headers=auth), 200)
    assert [e["id"] for e in older["entries"]] == [entry["id"]] and not older["has_more"]

    # If-Match carries the version the client saw; the mood analysis appended since (version
    # 2) is no conflict: the writer saw the text as it is.
    resp = await http.patch(
        url, json={"text": "Walked by the sea, at dusk."}, headers={**auth, "If-Match": '"1"'}
    )
    revised = expect(resp, 200)
    assert (revised["text"], revised["version"], revised["title"], revised["mood"]) == (
        "Walked by the sea, at dusk.",
        3,
        "Sea",
        None,  # the new text waits for its own analysis
    )
    assert resp.headers["ETag"] == '"3"'
    revised = await settled(http, auth, revised)  # analysed again: version 4
    # A version from before someone else's change of the entry is stale: 409.
    stale = await http.patch(url, json={"title": "Lost"}, headers={**auth, "If-Match": "1"})
    assert assert_error(stale, 409)["code"] == "version_conflict"
    stale = await http.patch(url, json={"title": "Lost", "version": 2}, headers=auth)
    assert assert_error(stale, 409)["code"] == "version_conflict"
    # ... or "version" in the body.
    body = {"title": None, "version": revised["version"], "tags": []}
    cleared = expect(await http.patch(url, json=body, headers=auth), 200)
    assert (cleared["title"], cleared["tags"], cleared["version"]) == (
        None,
        [],
        revised["version"] + 1,
    )
    assert cleared["mood"] == revised["mood"]  # the text did not change: its mood stays

    assert expect(await http.delete(url, headers=auth), 204) is None
    assert_error(await http.get(url, headers=auth), 404)
    assert_error(await http.delete(url, headers=auth), 404)
    remaining = expect(await http.get(ENTRIES, headers=auth), 200)
    assert [e["id"] for e in remaining["entries"]] == [newer["id"]]


async def test_only_the_author_sees_an_entry(http: httpx.AsyncClient) -> None:
    _, alice = await new_user(http)
    _, bob = await new_user(http)
    entry = await write(http, alice, text="Alice only")
    url = f"{ENTRIES}/{entry['id']}"
    unknown = f"{ENTRIES}/0193a000-0000-7000-8000-000000000000"
    for target in (url, unknown):
        foreign = assert_error(await http.get(target, headers=bob), 404)
        assert "Alice" not in foreign["message"]
        assert_error(await http.patch(target, json={"text": "x", "version": 1}, headers=bob), 404)
        assert_error(await http.delete(target, headers=bob), 404)
    assert expect(await http.get(ENTRIES, headers=bob), 200)["entries"] == []
    assert expect(await http.get(f"{API}/diary/export", headers=bob), 200)["entries"] == []
    assert expect(await http.get(url, headers=alice), 200) == entry  # untouched
    assert_error(await http.get(ENTRIES), 401)


async def test_bad_input_is_a_clear_4xx_and_changes_nothing(http: httpx.AsyncClient) -> None:
    _, auth = await new_user(http)
    entry = await write(http, auth, text="Kept", tags=["a"])
    url = f"{ENTRIES}/{entry['id']}"
    bad_bodies: list[tuple[dict[str, Any], str]] = [
        ({"text": ""}, "text"),
        ({"text": "   \n "}, "text"),
        ({"text": "x" * 20_001}, "text"),
        ({"text": "ok", "tags": ["x" * 33]}, "tags"),
        ({"text": "ok", "tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"text": "ok", "tags": ["#"]}, "tags"),
        ({"text": "ok", "self_rating": 6}, "self_rating"),
        ({"text": "ok", "self_rating": "3"}, "self_rating"),
        ({"text": "ok", "title": "t" * 201}, "title"),
        ({"text": "ok", "surprise": 1}, "surprise"),
        ({"text": "bad\u0000byte"}, "text"),
    ]
    for body, field in bad_bodies:
        assert_error(await http.post(ENTRIES, json=body, headers=auth), 422, field=field)
        patch = {k: v for k, v in body.items() if k != "text" or field == "text"}
        assert_error(await http.patch(url, json={**patch, "version": 1}, headers=auth), 422)
    # At the limit is fine: 20,000 characters once trimmed.
    longest = await write(http, auth, settle=False, text=" " + "y" * 20_000 + " ")
    assert len(longest["text"]) == 20_000
    missing = assert_error(await http.patch(url, json={"text": "new"}, headers=auth), 422)
    assert missing["code"] == "version_required"
    for if_match in ("abc", '"1', "-1", "1.5"):
        resp = await http.patch(url, json={"text": "new"}, headers={**auth, "If-Match": if_match})
        assert resp.status_code == 422, (if_match, resp.text)
    disagree = await http.patch(
        url, json={"text": "x", "version": 1}, headers={**auth, "If-Match": "2"}
    )
    assert_error(disagree, 422)
    assert_error(await http.get(f"{ENTRIES}/not-an-id", headers=auth), 422)
    assert_error(await http.get(ENTRIES, params={"limit": 0}, headers=auth), 422)
    assert_error(await http.get(ENTRIES, params={"limit": 101}, headers=auth), 422)
    assert_error(await http.get(ENTRIES, params={"before_id": "x"}, headers=auth), 422)
    for days in ("0", "366", "abc", "2.5"):
        assert_error(await http.get(f"{API}/diary/mood", params={"days": days}, headers=auth), 422)
    assert expect(await http.get(url, headers=auth), 200) == entry
    listed = expect(await http.get(ENTRIES, headers=auth), 200)
    assert len(listed["entries"]) == 2


async def test_export_timeline_and_erasing_the_diary(http: httpx.AsyncClient) -> None:
    _, auth = await new_user(http)
    first = await write(http, auth, text="One", tags=["x"])
    second = await write(http, auth, text="Two", self_rating=2)
    exported = expect(await http.get(f"{API}/diary/export", headers=auth), 200)
    assert_timestamp(exported["exported_at"])
    assert [e["id"] for e in exported["entries"]] == [first["id"], second["id"]]
    assert exported["entries"][0]["text"] == "One"
    assert all("analyses" in e for e in exported["entries"])

    timeline = expect(await http.get(f"{API}/diary/mood", headers=auth), 200)
    assert isinstance(timeline["days"], list)
    for day in timeline["days"]:
        assert day.keys() == {"date", "valence", "entries", "dominant_emotion"}

    assert expect(await http.delete(f"{API}/diary", headers=auth), 204) is None
    assert expect(await http.delete(f"{API}/diary", headers=auth), 204) is None
    assert expect(await http.get(ENTRIES, headers=auth), 200)["entries"] == []
    assert expect(await http.get(f"{API}/diary/export", headers=auth), 200)["entries"] == []
    assert expect(await http.get(f"{API}/diary/mood", headers=auth), 200)["days"] == []
    assert_error(await http.get(f"{ENTRIES}/{first['id']}", headers=auth), 404)
    # The diary goes on afterwards, empty.
    again = await write(http, auth, text="A fresh start")
    listed = expect(await http.get(ENTRIES, headers=auth), 200)
    assert [e["id"] for e in listed["entries"]] == [again["id"]]


async def test_deleting_the_account_erases_the_diary(
    http: httpx.AsyncClient, server: ServerProcess
) -> None:
    user, auth = await new_user(http)
    _, other = await new_user(http)
    await write(http, auth, text="Mine to forget")
    kept = await write(http, other, text="Not mine")
    assert keys_of(server, user["id"]) == 1
    resp = await http.request(
        "DELETE", f"{API}/users/me", json={"password": PASSWORD}, headers=auth
    )
    expect(resp, 204)

    for _ in range(100):  # user.deleted travels the bus: moments, not at once
        if keys_of(server, user["id"]) == 0:
            break
        await asyncio.sleep(0.1)
    assert keys_of(server, user["id"]) == 0
    assert expect(await http.get(f"{ENTRIES}/{kept['id']}", headers=other), 200) == kept


def keys_of(server: ServerProcess, user_id: str) -> int:
    """How many entry keys the user has in the server's SQLite file."""
    with sqlite3.connect(server.data_dir / "hubbub.db") as conn:
        row = conn.execute(
            "SELECT count(*) FROM diary_keys WHERE user_id = ?", (user_id.replace("-", ""),)
        ).fetchone()
    return int(row[0])
