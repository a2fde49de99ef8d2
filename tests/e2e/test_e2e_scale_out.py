"""hubbub scaled out: three `serve gateway` processes and a `serve relay` on PostgreSQL and
Redis. Users on different gateways talk as if on one server; a gateway killed with SIGKILL
loses no acknowledged message; the relay puts every stored message on the bus."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from e2e_api import (
    API,
    Json,
    all_messages,
    bearer,
    direct_chat,
    expect,
    group_chat,
    http_client,
    new_users,
)
from e2e_cluster import SHARED_REDIS_URL, Cluster, running_cluster, start_ready
from e2e_member import Member, assert_nothing_lost
from e2e_ws import open_ws
from redis.asyncio import Redis

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(90)]

WINDOW = 16  # message frames each client keeps in flight
MESSAGES_PER_SENDER = 100
PERSISTED_TOPIC = "chat.message.persisted"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Three gateways and a relay, shared by the tests of this module (unique users keep
    them apart; a test that kills a process starts it again before it ends)."""
    with running_cluster(tmp_path_factory.mktemp("cluster"), gateways=3) as running:
        yield running


async def user_view(http: httpx.AsyncClient, token: str, user_id: str) -> Json:
    body: Json = expect(await http.get(f"{API}/users/{user_id}", headers=bearer(token)), 200)
    return body


async def test_users_on_different_gateways_see_each_other(cluster: Cluster) -> None:
    gateway_a, gateway_b = cluster.gateways[:2]
    async with (
        http_client(gateway_a.base_url) as http_a,
        http_client(gateway_b.base_url) as http_b,
        AsyncExitStack() as sockets,
    ):
        (alice, alice_token), (bob, bob_token), (carol, carol_token) = await new_users(http_a, 3)
        chat = await direct_chat(http_a, alice_token, bob["id"])
        bob_ws = await sockets.enter_async_context(open_ws(gateway_b.ws_url, bob_token))
        carol_ws = await sockets.enter_async_context(open_ws(gateway_b.ws_url, carol_token))
        await asyncio.gather(bob_ws.roundtrip(), carol_ws.roundtrip())
        assert (await user_view(http_b, bob_token, alice["id"]))["online"] is False

        # Presence crosses gateways: B hears of A's connection, and answers from shared state.
        alice_ws = await sockets.enter_async_context(open_ws(gateway_a.ws_url, alice_token))
        await bob_ws.recv("presence", event="user_online", user_id=alice["id"])
        assert (await user_view(http_b, bob_token, alice["id"]))["online"] is True

        # Messages and typing cross gateways both ways.
        await alice_ws.send(
            {"type": "message", "chat_id": chat["id"], "text": "hi bob", "request_id": "x-1"}
        )
        ack = await alice_ws.recv("message_sent", request_id="x-1")
        received = (await bob_ws.recv("new_message"))["message"]
        assert (received["id"], received["seq"], received["text"]) == (
            ack["message_id"],
            1,
            "hi bob",
        )
        await bob_ws.send(
            {"type": "message", "chat_id": chat["id"], "text": "hi alice", "request_id": "x-2"}
        )
        reply = await bob_ws.recv("message_sent", request_id="x-2")
        assert (await alice_ws.recv("new_message"))["message"]["id"] == reply["message_id"]
        await bob_ws.send({"type": "typing", "chat_id": chat["id"], "is_typing": True})
        typing = await alice_ws.recv("typing", chat_id=chat["id"])
        assert (typing["user_id"], typing["is_typing"]) == (bob["id"], True)

        # An invite made through A subscribes the invitee's live socket on B to the room.
        room = await group_chat(http_a, alice_token, [bob["id"]], title="Room")
        await bob_ws.recv("chat_invite")
        resp = await http_a.post(
            f"{API}/chats/{room['id']}/members",
            json={"user_id": carol["id"]},
            headers=bearer(alice_token),
        )
        expect(resp, 201)
        invite = await carol_ws.recv("chat_invite")
        assert invite["chat"]["id"] == room["id"]
        await alice_ws.send(
            {"type": "message", "chat_id": room["id"], "text": "welcome", "request_id": "x-3"}
        )
        welcome = await alice_ws.recv("message_sent", request_id="x-3")
        for member_ws in (bob_ws, carol_ws):
            frame = await member_ws.recv("new_message")
            assert frame["message"]["id"] == welcome["message_id"]
        await carol_ws.send(
            {"type": "message", "chat_id": room["id"], "text": "thanks", "request_id": "x-4"}
        )
        thanks = await carol_ws.recv("message_sent", request_id="x-4")
        assert (await alice_ws.recv("new_message"))["message"]["id"] == thanks["message_id"]

        # Going offline on A is announced on B to everyone who shares a chat.
        await alice_ws.close()
        for contact_ws in (bob_ws, carol_ws):
            await contact_ws.recv("presence", event="user_offline", user_id=alice["id"])
        assert (await user_view(http_b, bob_token, alice["id"]))["online"] is False


async def spread_members(cluster: Cluster, http: httpx.AsyncClient, count: int) -> list[Member]:
    """`count` fresh users as resilient clients (member n is to connect to gateway n % N)."""
    ws_urls = [gateway.ws_url for gateway in cluster.gateways]
    return [
        Member(f"member{n}", user["id"], token, ws_urls, window=WINDOW)
        for n, (user, token) in enumerate(await new_users(http, count))
    ]


async def open_chats(http: httpx.AsyncClient, members: list[Member]) -> dict[str, list[Member]]:
    """A group of everyone, plus a direct chat for each pair (0,1), (2,3)...; by chat id."""
    owner, *others = members
    group = await group_chat(http, owner.token, [m.user_id for m in others])
    chats = {group["id"]: list(members)}
    for left, right in zip(members[::2], members[1::2], strict=True):
        chats[(await direct_chat(http, left.token, right.user_id))["id"]] = [left, right]
    for chat_id, in_chat in chats.items():
        for member in in_chat:
            member.chats.add(chat_id)
    return chats


async def send_stream(member: Member, count: int) -> None:
    """`count` messages, round-robin over the member's chats, pipelined up to the window."""
    chats = sorted(member.chats)
    prefix = uuid.uuid4().hex[:8]
    for n in range(count):
        await member.send(chats[n % len(chats)], f"{member.name} #{n}", f"{prefix}-{n}")


async def histories(
    http: httpx.AsyncClient, chats: dict[str, list[Member]]
) -> dict[str, list[Json]]:
    """Each chat's whole history over REST, read in keyset pages."""
    return {
        chat_id: await all_messages(http, in_chat[0].token, chat_id)
        for chat_id, in_chat in chats.items()
    }


async def test_sigkill_of_a_gateway_loses_no_acknowledged_message(cluster: Cluster) -> None:
    victim = cluster.gateways[1]
    async with http_client(cluster.gateways[0].base_url) as http:
        members = await spread_members(cluster, http, 6)
        on_victim = [m for n, m in enumerate(members) if n % 3 == 1]
        try:
            chats = await open_chats(http, members)
            await asyncio.gather(*(m.connect(n % 3) for n, m in enumerate(members)))
            senders = [asyncio.create_task(send_stream(m, MESSAGES_PER_SENDER)) for m in members]
            total = MESSAGES_PER_SENDER * len(members)
            await asyncio.gather(*(m.wait_acks(MESSAGES_PER_SENDER // 3, 30) for m in members))
            await asyncio.to_thread(victim.kill)  # mid-stream: every sender has frames in flight
            await asyncio.gather(*senders)
            await asyncio.gather(*(m.wait_all_acked(wait=30) for m in members))

            assert [m.reconnects for m in on_victim] == [1] * len(on_victim)
            assert all(m.reconnects == 0 for m in members if m not in on_victim)
            assert sum(m.resent for m in on_victim) > 0, "unacked frames were sent again"
            # A careful client closes the gaps it sees; only what the victim stored but never
            # fanned out (at most its clients' windows) may need this last sync.
            before = {m.name: sum(len(m.seen_ids(c)) for c in m.chats) for m in members}
            await asyncio.gather(*(m.catch_up() for m in members))
            for member in members:
                after = sum(len(member.seen_ids(c)) for c in member.chats)
                recovered = after - before[member.name]
                assert recovered <= WINDOW * len(on_victim), f"{member.name} missed {recovered}"
                assert member.errors == []

            stored = await histories(http, chats)
            for chat_id, messages in stored.items():
                assert_nothing_lost(chat_id, messages, chats[chat_id])
            assert sum(len(messages) for messages in stored.values()) == total
        finally:
            await asyncio.gather(*(m.close() for m in members))
            if victim.proc.poll() is not None:
                await asyncio.to_thread(start_ready, victim)


async def bus_records(namespace: str, topic: str) -> dict[str, list[tuple[str, Json]]]:
    """Every record of a topic on the Redis Streams bus of a namespace: {stream: [(key,
    payload)]} in stream order (one stream per partition)."""
    client = Redis.from_url(SHARED_REDIS_URL, decode_responses=True)
    try:
        records: dict[str, list[tuple[str, Json]]] = {}
        async for name in client.scan_iter(match=f"{namespace}:bus:{topic}:*", _type="STREAM"):
            entries = await client.xrange(name) or []
            records[name] = [
                (str(fields["k"]), json.loads(fields["v"])) for _, fields in entries if fields
            ]
        return records
    finally:
        await client.aclose()


def per_chat(records: dict[str, list[tuple[str, Json]]]) -> dict[str, tuple[set[str], list[Json]]]:
    """{chat id: (the streams holding it, its payloads in stream order)}."""
    chats: dict[str, tuple[set[str], list[Json]]] = {}
    for stream, entries in records.items():
        for key, payload in entries:
            streams, payloads = chats.setdefault(key, (set(), []))
            streams.add(stream)
            payloads.append(payload)
    return chats


async def test_relay_puts_every_stored_message_on_the_bus_once_after_dedup(
    cluster: Cluster,
) -> None:
    relay = cluster.relay
    assert relay is not None
    async with http_client(cluster.gateways[0].base_url) as http:
        members = await spread_members(cluster, http, 4)
        try:
            chats = await open_chats(http, members)
            await asyncio.gather(*(m.connect(n % 3) for n, m in enumerate(members)))
            senders = [asyncio.create_task(send_stream(m, 60)) for m in members]
            await asyncio.gather(*(m.wait_acks(20, 30) for m in members))
            await asyncio.to_thread(relay.kill)  # it may die between a publish and its delete
            await asyncio.gather(*senders)
            await asyncio.to_thread(start_ready, relay)
            await asyncio.gather(*(m.wait_all_acked(wait=30) for m in members))
            stored = await histories(http, chats)
            acked = {ack["message_id"] for m in members for ack in m.acks.values()}
            assert acked == {m["id"] for messages in stored.values() for m in messages}
            on_bus = await published_until(cluster.namespace, set(chats), acked)
        finally:
            await asyncio.gather(*(m.close() for m in members))
            if relay.proc.poll() is not None:
                await asyncio.to_thread(start_ready, relay)

    for chat_id, messages in stored.items():
        streams, payloads = on_bus.get(chat_id, (set(), []))
        assert len(streams) == 1, f"{chat_id} is spread over {streams}: no per-chat order"
        expected = [message_fields(m["id"], m) for m in messages]
        assert [message_fields(p["message_id"], p) for p in deduplicated(payloads)] == expected


def message_fields(message_id: str, record: Json) -> tuple[Any, ...]:
    return (message_id, *(record[f] for f in ("chat_id", "seq", "sender_id", "text", "request_id")))


def deduplicated(payloads: list[Json]) -> list[Json]:
    """First copy of each message, in bus order; a redelivered copy must equal the first."""
    first: dict[str, Json] = {}
    for payload in payloads:
        earlier = first.setdefault(payload["message_id"], payload)
        assert payload == earlier, f"a redelivery differs: {payload} vs {earlier}"
    return list(first.values())


async def published_until(
    namespace: str, chat_ids: set[str], message_ids: set[str], within: float = 15.0
) -> dict[str, tuple[set[str], list[Json]]]:
    """The bus records of the chats, read again until all of `message_ids` are there."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        on_bus = per_chat(await bus_records(namespace, PERSISTED_TOPIC))
        found = {p["message_id"] for c in chat_ids for p in on_bus.get(c, (set(), []))[1]}
        if message_ids <= found or asyncio.get_running_loop().time() > deadline:
            return on_bus
        await asyncio.sleep(0.2)


PRESENCE_TTL = 2.0
PRESENCE_SWEEP = 5.0  # how often gateways look for dead ones (RedisPresence's default)


@pytest.fixture
def short_ttl_cluster(tmp_path: Path) -> Iterator[Cluster]:
    """Two gateways whose presence claims lapse after PRESENCE_TTL seconds unrenewed."""
    env = {"HUBBUB_PRESENCE_TTL_SECONDS": str(PRESENCE_TTL)}
    with running_cluster(tmp_path, gateways=2, relay=False, env=env) as running:
        yield running


async def test_users_of_a_dead_gateway_go_offline_on_the_others(
    short_ttl_cluster: Cluster,
) -> None:
    doomed, survivor = short_ttl_cluster.gateways
    async with http_client(survivor.base_url) as http, AsyncExitStack() as sockets:
        (alice, alice_token), (_, bob_token), (carol, carol_token) = await new_users(http, 3)
        for user in (alice, carol):
            await direct_chat(http, bob_token, user["id"])
        bob_ws = await sockets.enter_async_context(open_ws(survivor.ws_url, bob_token))
        await bob_ws.roundtrip()
        alice_ws = await sockets.enter_async_context(open_ws(doomed.ws_url, alice_token))
        await bob_ws.recv("presence", event="user_online", user_id=alice["id"])
        # Carol has a second device on the surviving gateway: she stays online.
        for gateway in (doomed, survivor):
            carol_ws = await sockets.enter_async_context(open_ws(gateway.ws_url, carol_token))
            await carol_ws.roundtrip()
        await alice_ws.roundtrip()

        await asyncio.to_thread(doomed.kill)
        wait = PRESENCE_TTL + PRESENCE_SWEEP + 3
        await bob_ws.recv("presence", wait=wait, event="user_offline", user_id=alice["id"])
        await bob_ws.expect_nothing("presence", event="user_offline", user_id=carol["id"])
        assert (await user_view(http, bob_token, alice["id"]))["online"] is False
        assert (await user_view(http, bob_token, carol["id"]))["online"] is True


async def test_every_role_reports_its_own_dependencies(cluster: Cluster) -> None:
    assert cluster.relay is not None
    async with httpx.AsyncClient(timeout=5) as http:
        gateway = expect(await http.get(f"{cluster.gateways[0].base_url}/readyz"), 200)
        relay = expect(await http.get(f"{cluster.relay.base_url}/readyz"), 200)
        metrics = await http.get(f"{cluster.relay.base_url}/metrics")
        no_api = await http.get(f"{cluster.relay.base_url}{API}/users/me")

    assert gateway["checks"] == {"database": "ok", "redis": "ok", "fanout": "ok"}
    # The relay also runs the contexts' own consumers (a deleted account's erasure), which
    # invalidate caches in Redis and tell rooms through the fan-out.
    assert relay["checks"] == {"database": "ok", "redis": "ok", "fanout": "ok", "bus": "ok"}
    assert "hubbub_outbox_relayed_total" in metrics.text
    assert no_api.status_code == 404  # a relay serves no clients
