"""Mood and matching scaled out: two gateways, a relay and a `mood` worker of its own on
PostgreSQL and Redis (state, fan-out, Streams bus). An entry written through one gateway is
analysed by the worker, its author hears of it on the other gateway, and each gateway's
matching index (rebuilt every few seconds here) finds the other discoverable person."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from e2e_api import API, bearer, expect, http_client, new_user
from e2e_cluster import Cluster, running_cluster, start_ready
from e2e_server import ServerProcess
from e2e_ws import open_ws

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]

JOYFUL = [
    "What a wonderful day! We laughed all afternoon in the park and I felt so happy.",
    "I got the job! I am thrilled and grateful, everything feels bright today.",
    "Dinner with old friends tonight, so much laughter and warmth. I love them.",
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    workdir = tmp_path_factory.mktemp("mood-cluster")
    with running_cluster(
        workdir, gateways=2, env={"HUBBUB_MATCHING_REFRESH_SECONDS": "5"}
    ) as running:
        # The worker (which loads the model) starts once the others are up: four processes
        # starting side by side outlast the start-up timeout on a busy two-core machine.
        worker = ServerProcess(workdir / "mood0", env=running.env, role="mood")
        running.moods.append(worker)
        try:
            start_ready(worker)
            yield running
        finally:
            worker.stop()


async def test_the_mood_worker_reads_entries_and_gateways_match_people(cluster: Cluster) -> None:
    one, two = cluster.gateways
    async with http_client(one.base_url) as http_one, http_client(two.base_url) as http_two:
        alice, alice_token = await new_user(http_one, "mood")
        bob, bob_token = await new_user(http_two, "mood")
        for http, token in ((http_one, alice_token), (http_two, bob_token)):
            on = await http.patch(
                f"{API}/users/me", json={"discoverable": True}, headers=bearer(token)
            )
            assert expect(on, 200)["discoverable"] is True
        for token in (alice_token, bob_token):
            # connected to gateway one, writing through gateway two
            async with open_ws(one.ws_url, token) as ws:
                for text in JOYFUL:
                    entry = expect(
                        await http_two.post(
                            f"{API}/diary/entries", json={"text": text}, headers=bearer(token)
                        ),
                        201,
                    )
                    frame = await ws.recv("diary_mood", wait=60, entry_id=entry["id"])
                    assert frame["mood"]["label"] == "joy"

        # each gateway's index is rebuilt from the timeline every 5 s
        found: list[str] = []
        for _ in range(40):
            answer = expect(await http_two.get(f"{API}/matches", headers=bearer(bob_token)), 200)
            found = [m["user"]["id"] for m in answer["matches"]]
            if alice["id"] in found:
                break
            await asyncio.sleep(0.5)
        assert alice["id"] in found and bob["id"] not in found


async def test_the_mood_role_reports_its_model_and_serves_no_api(cluster: Cluster) -> None:
    [worker] = cluster.moods
    async with httpx.AsyncClient(timeout=5) as http:
        ready = expect(await http.get(f"{worker.base_url}/readyz"), 200)
        no_api = await http.get(f"{worker.base_url}{API}/users/me")
    assert ready["checks"]["mood_model"] == "ok"
    assert {"database", "bus", "fanout"} <= ready["checks"].keys()
    assert no_api.status_code == 404
