"""Message search over REST, on the embedded default and on PostgreSQL across two gateways
(with an `indexer` process): stemming, highlights, membership, pages, edits and deletes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from e2e_api import (
    API,
    Json,
    assert_error,
    bearer,
    direct_chat,
    expect,
    new_users,
    post_message,
)
from e2e_deployments import DEPLOYMENTS, Doors, open_doors, running_deployment
from e2e_server import ServerProcess

pytestmark = pytest.mark.timeout(120)
SEARCH = f"{API}/search/messages"


@pytest.fixture(scope="module", params=DEPLOYMENTS)
def gateways(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    yield from running_deployment(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture
async def doors(gateways: tuple[ServerProcess, ServerProcess]) -> AsyncIterator[Doors]:
    async for opened in open_doors(gateways):
        yield opened


async def search(http: httpx.AsyncClient, token: str, **params: Any) -> Json:
    body: Json = expect(await http.get(SEARCH, params=params, headers=bearer(token)), 200)
    return body


async def search_until(
    http: httpx.AsyncClient, token: str, count: int, wait: float = 10.0, **params: Any
) -> Json:
    """Search until `count` results show (new messages reach the index from the bus)."""
    async with asyncio.timeout(wait):
        while True:
            found = await search(http, token, **params)
            if len(found["results"]) >= count:
                return found
            await asyncio.sleep(0.1)


async def test_search_finds_other_forms_ranked_and_highlighted(doors: Doors) -> None:
    (_alice, alice_token), (bob, bob_token), (_, eve_token) = await new_users(doors.a.http, 3)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    once = await post_message(doors.a.http, alice_token, chat["id"], "Planning the meeting")
    twice = await post_message(doors.a.http, bob_token, chat["id"], "meetings, meetings, meetings")
    russian = await post_message(doors.a.http, bob_token, chat["id"], "Встреча в пятницу?")

    found = await search_until(doors.b.http, bob_token, 2, q="meeting")
    ru = await search_until(doors.b.http, alice_token, 1, q="встречи")

    assert [r["message"]["id"] for r in found["results"]] == [twice["id"], once["id"]]
    assert found["results"][1]["highlight"] == "Planning the <mark>meeting</mark>"
    assert found["next"] is None
    assert [r["message"]["id"] for r in ru["results"]] == [russian["id"]]
    # Only chats the caller is a member of.
    assert (await search(doors.a.http, eve_token, q="meeting"))["results"] == []
    only_bob = await search(doors.a.http, alice_token, q="meeting", sender_id=bob["id"])
    assert [r["message"]["id"] for r in only_bob["results"]] == [twice["id"]]
    refused = await doors.a.http.get(
        SEARCH, params={"q": "meeting", "chat_id": chat["id"]}, headers=bearer(eve_token)
    )
    assert_error(refused, 403)


async def test_pages_and_bad_queries(doors: Doors) -> None:
    (_alice, alice_token), (bob, _) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    for n in range(5):
        await post_message(doors.a.http, alice_token, chat["id"], f"invoice {n} " + "due " * n)
    await search_until(doors.a.http, alice_token, 5, q="invoice", chat_id=chat["id"])

    first = await search(doors.a.http, alice_token, q="invoice", chat_id=chat["id"], limit=2)
    second = await search(
        doors.a.http, alice_token, q="invoice", chat_id=chat["id"], limit=2, before=first["next"]
    )
    third = await search(
        doors.a.http, alice_token, q="invoice", chat_id=chat["id"], limit=2, before=second["next"]
    )
    ids = [r["message"]["id"] for page in (first, second, third) for r in page["results"]]
    assert len(ids) == len(set(ids)) == 5
    assert third["next"] is None

    for query in ("the and of", "?!...", "и на в"):
        refused = await doors.a.http.get(SEARCH, params={"q": query}, headers=bearer(alice_token))
        assert assert_error(refused, 422)["code"] == "empty_query"
    bad_cursor = await doors.a.http.get(
        SEARCH, params={"q": "invoice", "before": "nope"}, headers=bearer(alice_token)
    )
    assert assert_error(bad_cursor, 422)["code"] == "invalid_cursor"
    assert_error(await doors.a.http.get(SEARCH, params={"q": "x"}), 401)


async def test_edits_and_deletes_update_the_index(doors: Doors) -> None:
    (_alice, alice_token), (bob, _) = await new_users(doors.a.http, 2)
    chat = await direct_chat(doors.a.http, alice_token, bob["id"])
    sent = await post_message(doors.a.http, alice_token, chat["id"], "the password is swordfish")
    await search_until(doors.a.http, alice_token, 1, q="swordfish")
    url = f"{API}/chats/{chat['id']}/messages/{sent['id']}"

    expect(
        await doors.b.http.patch(url, json={"text": "never mind"}, headers=bearer(alice_token)),
        200,
    )
    assert (await search(doors.a.http, alice_token, q="swordfish"))["results"] == []
    assert len((await search(doors.a.http, alice_token, q="mind"))["results"]) == 1

    expect(await doors.b.http.delete(url, headers=bearer(alice_token)), 204)
    assert (await search(doors.a.http, alice_token, q="mind"))["results"] == []
