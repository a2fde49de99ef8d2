"""Operations: health, readiness, metrics, API docs, rate limiting."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e_api import API, assert_error, bearer, direct_chat, expect, http_client, new_user, new_users
from e2e_server import ServerProcess, running_server
from e2e_ws import WsConnect, open_ws

pytestmark = pytest.mark.timeout(60)

RATE_LIMIT = 5
HTTP_DURATION_HISTOGRAM = re.compile(r"^# TYPE (\w*http\w*duration\w*) histogram$", re.MULTILINE)
CONTRACT_PATHS = {
    "/api/v1/auth/register": "post",
    "/api/v1/auth/login": "post",
    "/api/v1/users/me": "get",
    "/api/v1/users/{}": "get",
    "/api/v1/users": "get",
    "/api/v1/chats": "post",
    "/api/v1/chats/{}": "get",
    "/api/v1/chats/{}/members": "post",
    "/api/v1/chats/{}/members/{}": "delete",
    "/api/v1/chats/{}/messages": "get",
    "/api/v1/chats/{}/read": "post",
}


def metric_value(text: str, name: str) -> float | None:
    """The sum of all samples of a metric (over its labels), or None if it is absent."""
    pattern = re.compile(rf"^{re.escape(name)}(?:\{{[^}}]*\}})?\s+(\S+)", re.MULTILINE)
    values = [float(value) for value in pattern.findall(text)]
    return sum(values) if values else None


async def scrape(http: httpx.AsyncClient) -> str:
    resp = await http.get("/metrics")
    expect(resp, 200)
    assert resp.headers["content-type"].startswith("text/plain"), resp.headers
    return resp.text


async def test_healthz_and_readyz(http: httpx.AsyncClient) -> None:
    assert expect(await http.get("/healthz"), 200) == {"status": "ok"}
    expect(await http.get("/readyz"), 200)


async def test_metrics_count_connections_and_messages(
    http: httpx.AsyncClient, ws_connect: WsConnect
) -> None:
    (_, alice_token), (bob, bob_token) = await new_users(http, 2)
    chat = await direct_chat(http, alice_token, bob["id"])
    before = await scrape(http)
    alice_ws, bob_ws = await ws_connect(alice_token), await ws_connect(bob_token)
    await asyncio.gather(alice_ws.roundtrip(), bob_ws.roundtrip())

    await alice_ws.send({"type": "message", "chat_id": chat["id"], "text": "m", "request_id": "m1"})
    await alice_ws.recv("message_sent")
    await bob_ws.recv("new_message")
    after = await scrape(http)

    connections = metric_value(after, "hubbub_ws_connections")
    assert connections is not None and connections >= 2, "hubbub_ws_connections"
    for counter in ("hubbub_messages_sent_total", "hubbub_messages_delivered_total"):
        now = metric_value(after, counter)
        assert now is not None, f"{counter} missing"
        assert now >= (metric_value(before, counter) or 0) + 1, f"{counter} did not grow"
    histograms = HTTP_DURATION_HISTOGRAM.findall(after)
    assert histograms, "no HTTP request duration histogram"
    assert f"{histograms[0]}_bucket" in after


async def test_docs_and_openapi(http: httpx.AsyncClient) -> None:
    docs = await http.get("/docs")
    expect(docs, 200)
    assert docs.headers["content-type"].startswith("text/html")
    spec = expect(await http.get("/openapi.json"), 200)
    paths = {re.sub(r"\{[^}]*\}", "{}", path): item for path, item in spec["paths"].items()}
    missing = [
        f"{method.upper()} {path}"
        for path, method in CONTRACT_PATHS.items()
        if method not in paths.get(path, {})
    ]
    assert not missing, f"not in /openapi.json: {missing}"


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server allowing RATE_LIMIT requests per user per minute."""
    data_dir = tmp_path_factory.mktemp("limited") / "data"
    with running_server(data_dir, rate_limit=RATE_LIMIT) as limited:
        yield limited


async def test_rate_limit_answers_429_with_retry_after(limited_server: ServerProcess) -> None:
    async with http_client(limited_server.base_url) as http:
        (_, token), (_, other_token) = [await new_user(http), await new_user(http)]
        statuses = []
        for _ in range(RATE_LIMIT):
            statuses.append((await http.get(f"{API}/users/me", headers=bearer(token))).status_code)
        assert statuses == [200] * RATE_LIMIT
        for _ in range(2):
            limited = await http.get(f"{API}/users/me", headers=bearer(token))
            assert_error(limited, 429)
            retry_after = int(limited.headers["Retry-After"])
            assert 1 <= retry_after <= 60, retry_after
        # The budget is per user: someone else is not limited.
        expect(await http.get(f"{API}/users/me", headers=bearer(other_token)), 200)


async def test_the_burst_is_a_separate_smaller_budget(tmp_path: Path) -> None:
    """60 a minute with a burst of 5 (REST) and 3 (frames): the burst at once, then the pace
    of the budget (one a second), never the whole minute's budget at once."""
    env = {
        "HUBBUB_RATE_LIMIT_BURST": "5",
        "HUBBUB_WS_RATE_LIMIT_PER_MINUTE": "60",
        "HUBBUB_WS_RATE_LIMIT_BURST": "3",
    }
    with running_server(tmp_path / "data", rate_limit=60, env=env) as server:
        async with http_client(server.base_url) as http:
            _, token = await new_user(http)  # two hits on the client address, none on the user
            statuses = [
                (await http.get(f"{API}/users/me", headers=bearer(token))).status_code
                for _ in range(6)
            ]
            assert statuses == [200] * 5 + [429], statuses
            await asyncio.sleep(1.1)
            expect(await http.get(f"{API}/users/me", headers=bearer(token)), 200)
            async with open_ws(server.ws_url, token) as ws:
                for _ in range(3):
                    await ws.roundtrip()
                await ws.send({"type": "ping"})
                error = await ws.recv("error")
                assert error["code"] == "rate_limited"
