"""The diary scaled out: two gateways and a relay on PostgreSQL + Redis. An entry written
through one gateway is read and revised through the other; two revisions racing from both
with the same version give one 200 and one 409; an account deleted on one gateway has its
diary erased by the relay's consumer (its keys gone from the shared database)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from e2e_api import API, PASSWORD, assert_error, bearer, expect, http_client, new_user
from e2e_cluster import PG_SERVER, Cluster, running_cluster

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]
ENTRIES = f"{API}/diary/entries"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    workdir: Path = tmp_path_factory.mktemp("diary-cluster")
    with running_cluster(workdir, gateways=2) as running:
        yield running


async def keys_of(cluster: Cluster, user_id: str) -> int:
    conn = await asyncpg.connect(f"{PG_SERVER.rsplit('/', 1)[0]}/{cluster.database}")
    try:
        found = await conn.fetchval(
            "SELECT count(*) FROM diary_keys WHERE user_id = $1::uuid", user_id
        )
    finally:
        await conn.close()
    return int(found)


async def test_the_diary_across_two_gateways(cluster: Cluster) -> None:
    a_url, b_url = (g.base_url for g in cluster.gateways)
    async with http_client(a_url) as a, http_client(b_url) as b:
        user, token = await new_user(a, "diary")
        auth = bearer(token)
        entry = expect(await a.post(ENTRIES, json={"text": "Across"}, headers=auth), 201)
        url = f"{ENTRIES}/{entry['id']}"
        assert expect(await b.get(url, headers=auth), 200) == entry

        async def revise(client: httpx.AsyncClient, title: str) -> httpx.Response:
            return await client.patch(
                url, json={"title": title}, headers={**auth, "If-Match": '"1"'}
            )

        first, second = await asyncio.gather(revise(a, "From A"), revise(b, "From B"))
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 409], (first.text, second.text)
        loser = first if first.status_code == 409 else second
        assert assert_error(loser, 409)["code"] == "version_conflict"
        winner = first if first.status_code == 200 else second
        listed = expect(await a.get(ENTRIES, headers=auth), 200)["entries"]
        assert listed == [winner.json()]

        assert await keys_of(cluster, user["id"]) == 1
        deleted = await b.request(
            "DELETE", f"{API}/users/me", json={"password": PASSWORD}, headers=auth
        )
        expect(deleted, 204)
        for _ in range(150):  # the relay consumes user.deleted from the bus
            if await keys_of(cluster, user["id"]) == 0:
                break
            await asyncio.sleep(0.1)
        assert await keys_of(cluster, user["id"]) == 0
