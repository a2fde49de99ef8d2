"""Mood and matching over a real `hubbub serve`: an entry written over REST gets its mood
from the mood role within seconds (a `diary_mood` frame to the author's own sockets, then in
the entry, the timeline); two discoverable people with similar moods are each other's match,
with the emotions they share and nothing of their diaries; too little data is a reason."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from typing import Any

import httpx
import pytest
from e2e_api import API, assert_error, bearer, expect
from e2e_api import new_user as _new_user
from e2e_server import ServerProcess, hubbub_env
from e2e_ws import WsConnect

pytestmark = pytest.mark.timeout(180)
ENTRIES = f"{API}/diary/entries"
EMOTIONS = {"joy", "sadness", "anger", "fear", "surprise", "neutral"}
JOYFUL = [
    "What a wonderful day! We laughed all afternoon in the park and I felt so happy.",
    "I got the job! I am thrilled and grateful, everything feels bright today.",
    "Dinner with old friends tonight, so much laughter and warmth. I love them.",
]
GLOOMY = [
    "I miss my grandmother so much. The house feels empty and I cried all evening.",
]


async def new_user(http: httpx.AsyncClient) -> tuple[dict[str, Any], str]:
    return await _new_user(http, "mood")


async def discoverable(http: httpx.AsyncClient, token: str) -> None:
    resp = await http.patch(f"{API}/users/me", json={"discoverable": True}, headers=bearer(token))
    assert expect(resp, 200)["discoverable"] is True


async def write_and_wait_for_mood(
    http: httpx.AsyncClient, ws_connect: WsConnect, token: str, texts: list[str]
) -> list[dict[str, Any]]:
    """Write the entries and wait for each one's `diary_mood` frame; the entries as read after."""
    ws = await ws_connect(token)
    ids = []
    for text in texts:
        entry = expect(await http.post(ENTRIES, json={"text": text}, headers=bearer(token)), 201)
        assert entry["mood"] is None  # filled in asynchronously
        ids.append(entry["id"])
    moods = {}
    for entry_id in ids:
        frame = await ws.recv("diary_mood", wait=60, entry_id=entry_id)
        assert frame.keys() == {"type", "entry_id", "mood"}
        moods[entry_id] = frame["mood"]
    read = []
    for entry_id in ids:
        entry = expect(await http.get(f"{ENTRIES}/{entry_id}", headers=bearer(token)), 200)
        assert entry["mood"] == moods[entry_id]
        read.append(entry)
    return read


async def test_written_entries_get_their_mood_and_fill_the_timeline(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    _, token = await new_user(http)

    [happy, sad] = await write_and_wait_for_mood(http, ws_connect, token, [JOYFUL[0], GLOOMY[0]])

    for entry in (happy, sad):
        mood = entry["mood"]
        assert set(mood["emotions"]) == EMOTIONS
        assert abs(sum(mood["emotions"].values()) - 1) < 0.01
        assert -1 <= mood["valence"] <= 1
        assert mood["model"]
    assert happy["mood"]["valence"] > 0 > sad["mood"]["valence"]
    assert happy["mood"]["label"] == "joy"
    assert sad["mood"]["label"] == "sadness"
    timeline = expect(await http.get(f"{API}/diary/mood?days=30", headers=bearer(token)), 200)
    [today] = timeline["days"]
    assert today["entries"] == 2


async def test_two_discoverable_people_with_similar_moods_match(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    alice, alice_token = await new_user(http)
    bob, bob_token = await new_user(http)
    hidden, hidden_token = await new_user(http)
    await discoverable(http, alice_token)
    await discoverable(http, bob_token)
    for token in (alice_token, bob_token, hidden_token):
        await write_and_wait_for_mood(http, ws_connect, token, JOYFUL)

    for me, token, other in ((alice, alice_token, bob), (bob, bob_token, alice)):
        found = expect(await http.get(f"{API}/matches?limit=50", headers=bearer(token)), 200)
        ids = [m["user"]["id"] for m in found["matches"]]
        assert other["id"] in ids
        assert me["id"] not in ids and hidden["id"] not in ids
        match = found["matches"][ids.index(other["id"])]
        assert match.keys() == {"user", "score", "shared"}
        assert match["score"] > 0.9
        assert "joy" in match["shared"]
        assert set(match["user"]) == {
            "id",
            "username",
            "display_name",
            "online",
            "last_seen_at",
            "deleted",
        }
        assert JOYFUL[0] not in found.__repr__() and "text" not in str(found)

    # "say hi": a written first line about what the two share, in the asker's language
    opener = expect(
        await http.get(f"{API}/matches/{bob['id']}/opener?lang=ru-RU", headers=bearer(alice_token)),
        200,
    )
    assert opener["language"] == "ru" and opener["shared"] == ["joy"]
    assert any("а" <= ch <= "я" for ch in opener["text"].lower())
    no_match = await http.get(f"{API}/matches/{hidden['id']}/opener", headers=bearer(bob_token))
    assert_error(no_match, 404)
    bad = await http.get(
        f"{API}/matches/{bob['id']}/opener?lang=%3Cx%3E", headers=bearer(alice_token)
    )
    assert_error(bad, 422)

    # someone who is not discoverable still gets matches (but is never one)
    found = expect(await http.get(f"{API}/matches", headers=bearer(hidden_token)), 200)
    assert alice["id"] in [m["user"]["id"] for m in found["matches"]]


async def test_too_little_data_is_a_reason_and_bad_limits_are_422(
    http: httpx.AsyncClient,
) -> None:
    _, token = await new_user(http)

    found = expect(await http.get(f"{API}/matches", headers=bearer(token)), 200)

    assert found["matches"] == [] and "3 analysed" in found["reason"]
    for limit in ("0", "51", "x"):
        assert_error(await http.get(f"{API}/matches?limit={limit}", headers=bearer(token)), 422)
    assert_error(await http.get(f"{API}/matches"), 401)


async def test_mood_reanalyse_appends_a_new_analysis_to_every_entry(
    http: httpx.AsyncClient, ws_connect: WsConnect, server: ServerProcess
) -> None:
    _, token = await new_user(http)
    [entry] = await write_and_wait_for_mood(http, ws_connect, token, [JOYFUL[1]])
    ws = await ws_connect(token)

    done = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "hubbub", "mood", "reanalyse"],
        env=hubbub_env(server.data_dir, rate_limit=1000, extra=server.extra_env),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert re.search(r"reanalysed \d+ entries", done.stdout)
    export = expect(await http.get(f"{API}/diary/export", headers=bearer(token)), 200)
    [exported] = export["entries"]
    assert exported["analyses"][0]["analysed_version"] == 1
    assert len(exported["analyses"]) == 2  # the old reading stays, the new one is appended
    assert exported["analyses"][1]["model"] == entry["mood"]["model"]
    # the CLI is another process: with the embedded in-memory fan-out, no frame reaches here
    await ws.expect_nothing("diary_mood", within=0.5)
