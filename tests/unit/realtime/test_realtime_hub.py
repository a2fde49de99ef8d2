"""Hub: local routing of fan-out events to connections, and upstream (un)subscribes."""

from dataclasses import dataclass, field
from uuid import UUID

import pytest
from realtime_sockets import FakeSocket, connection, settle
from structlog.testing import capture_logs

from hubbub.contexts.realtime import envelope
from hubbub.contexts.realtime.connection import Connection
from hubbub.contexts.realtime.hub import Hub, chat_channel, user_channel
from hubbub.kernel.fakes import RecordingFanout
from hubbub.kernel.ids import new_id

ALICE, BOB, CAROL = new_id(), new_id(), new_id()
CHAT = new_id()
PING = {"type": "pong"}


@dataclass
class Gateway:
    """One gateway process: a hub on a recording fan-out, with its open connections."""

    hub: Hub
    fanout: RecordingFanout
    conns: dict[str, tuple[Connection, FakeSocket]] = field(default_factory=dict)

    async def connect(self, conn_id: str, user_id: UUID, chat_ids: list[UUID]) -> None:
        conn, socket = connection(user_id, conn_id=conn_id)
        conn.start()
        await self.hub.attach(conn, chat_ids)
        self.conns[conn_id] = (conn, socket)

    async def disconnect(self, conn_id: str) -> None:
        conn, _ = self.conns.pop(conn_id)
        await self.hub.detach(conn)
        await conn.stop()

    async def received(self) -> dict[str, list[dict[str, object]]]:
        await settle()
        return {conn_id: socket.frames() for conn_id, (_, socket) in self.conns.items()}


@pytest.fixture
async def gw() -> Gateway:
    fanout = RecordingFanout()
    hub = Hub(fanout)
    await fanout.start(hub.deliver)
    return Gateway(hub, fanout)


async def test_channels_are_subscribed_on_the_first_listener_and_dropped_after_the_last(
    gw: Gateway,
) -> None:
    await gw.connect("a1", ALICE, [CHAT])
    await gw.connect("a2", ALICE, [CHAT])
    await gw.connect("b1", BOB, [CHAT])
    await gw.disconnect("a1")
    await gw.disconnect("b1")
    assert gw.fanout.channels == {user_channel(ALICE), chat_channel(CHAT)}

    await gw.disconnect("a2")

    assert gw.fanout.ops == [
        ("subscribe", user_channel(ALICE)),
        ("subscribe", chat_channel(CHAT)),
        ("subscribe", user_channel(BOB)),
        ("unsubscribe", user_channel(BOB)),
        ("unsubscribe", user_channel(ALICE)),
        ("unsubscribe", chat_channel(CHAT)),
    ]


async def test_a_chat_event_reaches_every_connection_of_every_member(gw: Gateway) -> None:
    for conn_id, user in (("a1", ALICE), ("a2", ALICE), ("b1", BOB)):
        await gw.connect(conn_id, user, [CHAT])
    await gw.connect("c1", CAROL, [])

    await gw.hub.to_chat(CHAT, PING)

    assert await gw.received() == {"a1": [PING], "a2": [PING], "b1": [PING], "c1": []}


async def test_skip_connection_spares_only_the_sending_socket(gw: Gateway) -> None:
    for conn_id, user in (("a1", ALICE), ("a2", ALICE), ("b1", BOB)):
        await gw.connect(conn_id, user, [CHAT])

    await gw.hub.to_chat(CHAT, PING, skip_connection="a1")

    assert await gw.received() == {"a1": [], "a2": [PING], "b1": [PING]}


async def test_skip_user_spares_every_socket_of_that_user(gw: Gateway) -> None:
    for conn_id, user in (("a1", ALICE), ("a2", ALICE), ("b1", BOB)):
        await gw.connect(conn_id, user, [CHAT])

    await gw.hub.to_chat(CHAT, PING, skip_user=ALICE)

    assert await gw.received() == {"a1": [], "a2": [], "b1": [PING]}


async def test_a_user_event_reaches_only_that_user(gw: Gateway) -> None:
    await gw.connect("a1", ALICE, [CHAT])
    await gw.connect("a2", ALICE, [])
    await gw.connect("b1", BOB, [CHAT])

    await gw.hub.to_user(ALICE, PING)

    assert await gw.received() == {"a1": [PING], "a2": [PING], "b1": []}
    assert {c.id for c in gw.hub.connections_of(ALICE)} == {"a1", "a2"}


async def test_joining_routes_the_chat_at_once_and_subscribes_upstream_after(
    gw: Gateway,
) -> None:
    await gw.connect("b1", BOB, [])
    await gw.connect("b2", BOB, [])

    await gw.hub.to_user(BOB, None, join_chat=CHAT)
    # Before any other task runs, an event of the chat is already routed to both sockets.
    gw.hub.deliver(chat_channel(CHAT), envelope.encode(PING))
    assert chat_channel(CHAT) not in gw.fanout.channels

    assert await gw.received() == {"b1": [PING], "b2": [PING]}
    assert gw.fanout.ops.count(("subscribe", chat_channel(CHAT))) == 1


async def test_joining_a_chat_already_routed_here_does_not_resubscribe(gw: Gateway) -> None:
    await gw.connect("a1", ALICE, [CHAT])
    await gw.connect("b1", BOB, [])

    await gw.hub.to_user(BOB, None, join_chat=CHAT)
    await gw.hub.to_chat(CHAT, PING)

    assert await gw.received() == {"a1": [PING], "b1": [PING]}
    assert gw.fanout.ops.count(("subscribe", chat_channel(CHAT))) == 1


async def test_leaving_stops_routing_at_once_and_unsubscribes_after_the_last(
    gw: Gateway,
) -> None:
    await gw.connect("b1", BOB, [CHAT])
    left = {"type": "member_left", "chat_id": str(CHAT), "user_id": str(BOB)}

    await gw.hub.to_user(BOB, left, leave_chat=CHAT)
    gw.hub.deliver(chat_channel(CHAT), envelope.encode(PING))

    assert await gw.received() == {"b1": [left]}
    assert gw.fanout.ops[-1] == ("unsubscribe", chat_channel(CHAT))


async def test_detach_drops_chats_joined_after_attach(gw: Gateway) -> None:
    await gw.connect("b1", BOB, [])
    await gw.hub.to_user(BOB, None, join_chat=CHAT)
    await settle()

    await gw.disconnect("b1")

    assert gw.fanout.channels == set()


async def test_typing_and_presence_travel_as_droppable_and_messages_carry_a_stamp(
    gw: Gateway,
) -> None:
    await gw.hub.to_chat(CHAT, {"type": "typing"})
    await gw.hub.to_user(ALICE, {"type": "presence"})
    await gw.hub.to_chat(CHAT, {"type": "new_message"})
    await gw.hub.to_chat(CHAT, {"type": "read"})

    sent = [envelope.decode(payload) for _, payload in gw.fanout.published]

    assert [e.droppable for e in sent] == [True, True, False, False]
    assert [e.stamp is not None for e in sent] == [False, False, True, False]


async def test_a_garbled_payload_is_logged_and_ignored(gw: Gateway) -> None:
    await gw.connect("a1", ALICE, [CHAT])

    with capture_logs() as logs:
        gw.hub.deliver(chat_channel(CHAT), b"not json\n{}")

    assert await gw.received() == {"a1": []}
    assert [entry["event"] for entry in logs] == ["fanout_bad_payload"]


async def test_ended_sessions_close_their_sockets_and_are_announced_to_every_process() -> None:
    fanout = RecordingFanout()
    hub = Hub(fanout)
    await fanout.start(hub.deliver)
    forgotten: list[list[UUID]] = []
    await hub.listen_for_ended_sessions(forgotten.append)
    phone, laptop, other = new_id(), new_id(), new_id()
    sockets = {}
    for conn_id, user, session in (("p", ALICE, phone), ("l", ALICE, laptop), ("b", BOB, other)):
        conn, socket = connection(user, conn_id=conn_id, session_id=session)
        conn.start()
        await hub.attach(conn, [CHAT])
        sockets[conn_id] = socket

    await hub.sessions_ended(ALICE, [phone])
    await settle()

    assert sockets["p"].closed == [(4401, "session ended")]
    assert sockets["l"].closed == [] and sockets["b"].closed == []
    assert forgotten == [[phone]]  # every process drops its cached answer
    await hub.to_chat(CHAT, PING)
    await settle()
    assert sockets["p"].frames() == []  # an ended session gets nothing more
    assert sockets["l"].frames() == [PING]
