"""Redis down is a degraded cluster, not a broken one: two gateways and a relay on a Redis of
the test's own (state, fan-out and bus) that the test kills and starts again on the same port.

While Redis is gone every message is still stored and acknowledged and users of one gateway
still talk live; /readyz says which dependency is missing. When Redis returns, delivery
between gateways resumes by itself, and a `sync` closes what the outage left out.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from e2e_api import Json, all_messages, group_chat, http_client, new_users
from e2e_cluster import Cluster, running_cluster
from e2e_member import Member, assert_nothing_lost

from local_redis import LocalRedis

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]

MESSAGES_DURING_OUTAGE = 10
RESUME_WITHIN = 10.0


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[LocalRedis]:
    with LocalRedis(tmp_path) as server:
        yield server


@pytest.fixture
def cluster(tmp_path: Path, own_redis: LocalRedis) -> Iterator[Cluster]:
    with running_cluster(tmp_path / "cluster", gateways=2, redis_url=own_redis.url) as running:
        yield running


async def readiness(http: httpx.AsyncClient, status: int, within: float = 10.0) -> Json:
    """Poll /readyz until it answers `status`; return its body."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        resp = await http.get("/readyz")
        if resp.status_code == status or asyncio.get_running_loop().time() > deadline:
            assert resp.status_code == status, f"/readyz still {resp.status_code}: {resp.text}"
            body: Json = resp.json()
            return body
        await asyncio.sleep(0.2)


async def send_batch(member: Member, chat_id: str, count: int, label: str) -> set[str]:
    """Send `count` messages pipelined, wait for every ack; their message ids."""
    request_ids = [f"{label}-{uuid.uuid4().hex[:8]}-{n}" for n in range(count)]
    for n, request_id in enumerate(request_ids):
        await member.send(chat_id, f"{member.name} {label} #{n}", request_id)
    await member.wait_all_acked(wait=15)
    return {member.acks[request_id]["message_id"] for request_id in request_ids}


async def first_crossing(sender: Member, receiver: Member, chat_id: str) -> float:
    """Send a probe every 0.2 s until one reaches the other gateway's member; seconds taken."""
    loop = asyncio.get_running_loop()
    started = loop.time()
    probes: set[str] = set()
    while loop.time() - started < RESUME_WITHIN:
        ack = await sender.send_and_ack(chat_id, "probe", f"probe-{uuid.uuid4().hex}")
        probes.add(ack["message_id"])
        await asyncio.sleep(0.2)
        if probes & receiver.seen_ids(chat_id):
            return loop.time() - started
    raise AssertionError(f"no message crossed gateways within {RESUME_WITHIN}s of Redis' return")


async def test_gateways_ride_out_a_redis_outage(cluster: Cluster, own_redis: LocalRedis) -> None:
    gateway_0, gateway_1 = cluster.gateways
    ws_urls = [gateway_0.ws_url, gateway_1.ws_url]
    async with http_client(gateway_0.base_url) as http_0, http_client(gateway_1.base_url) as http_1:
        users = await new_users(http_0, 4)
        alice, bob, carol, dave = members = [
            Member(name, user["id"], token, ws_urls)
            for name, (user, token) in zip(("alice", "bob", "carol", "dave"), users, strict=True)
        ]
        room = (await group_chat(http_0, alice.token, [m.user_id for m in members[1:]]))["id"]
        try:
            for member, gateway in zip(members, (0, 0, 1, 1), strict=True):
                member.chats.add(room)
                await member.connect(gateway)
            hello = await send_batch(alice, room, 1, "before")
            await asyncio.gather(*(m.wait_seen(room, hello) for m in (bob, carol, dave)))

            own_redis.stop()
            for http in (http_0, http_1):
                checks = (await readiness(http, 503))["checks"]
                assert (checks["redis"], checks["database"]) == ("error", "ok"), checks
            sent = await asyncio.gather(
                *(send_batch(m, room, MESSAGES_DURING_OUTAGE, "outage") for m in members)
            )
            by_alice, by_bob, by_carol, by_dave = sent
            # Neighbours on one gateway still hear each other, without Redis.
            await asyncio.gather(
                bob.wait_seen(room, by_alice),
                alice.wait_seen(room, by_bob),
                dave.wait_seen(room, by_carol),
                carol.wait_seen(room, by_dave),
            )

            own_redis.start()
            await first_crossing(alice, carol, room)
            await first_crossing(dave, bob, room)
            for http in (http_0, http_1):
                checks = (await readiness(http, 200))["checks"]
                assert set(checks.values()) == {"ok"}, checks

            await asyncio.gather(*(m.catch_up() for m in members))
            stored = await all_messages(http_1, dave.token, room)
            assert_nothing_lost(room, stored, members)
            assert all(m.errors == [] and m.reconnects == 0 for m in members)
        finally:
            await asyncio.gather(*(m.close() for m in members))
