"""A chat client written the way the contract asks a careful app to be written, for the
failure tests: it pipelines message frames, each with its own request_id; when its socket
drops it connects to the next gateway that answers, asks `sync` from the last seq it has
seen without a gap in every chat, and sends again every message not yet acknowledged, with
the same request_id (the server makes that idempotent).

It records what it saw (acks, and `new_message` frames live or replayed) so that a test can
check, after de-duplication by message id, that nothing acknowledged was lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Coroutine
from typing import Any

from e2e_ws import ws_endpoint
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake

Json = dict[str, Any]
RECONNECT_ROUNDS = 50
RECONNECT_PAUSE = 0.1


class Member:
    """One user on one connection at a time, to any of the deployment's gateways."""

    def __init__(
        self, name: str, user_id: str, token: str, ws_urls: list[str], *, window: int = 16
    ) -> None:
        self.name = name
        self.user_id = user_id
        self.token = token
        self.ws_urls = ws_urls
        self.window = window
        self.gateway = 0  # index into ws_urls of the current connection
        self.chats: set[str] = set()
        self.sent: dict[str, str] = {}  # request_id -> chat_id, every message ever sent
        self.unacked: dict[str, Json] = {}  # request_id -> frame, in the order sent
        self.acks: dict[str, Json] = {}  # request_id -> message_sent frame
        self.seen: dict[str, dict[str, int]] = {}  # chat_id -> {message_id: seq}
        self.errors: list[Json] = []
        self.reconnects = 0
        self.resent = 0
        self._ws: ClientConnection | None = None
        self._state = asyncio.Condition()  # guards _ws, unacked; woken on acks and reconnects
        self._pongs: asyncio.Queue[None] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []  # kept to the end: close() reraises
        self._closing = False

    # -- connection ---------------------------------------------------------------------

    async def connect(self, gateway: int) -> None:
        """Connect to the gateway at index `gateway` (the first connection of the test)."""
        ws = await self._open(self.ws_urls[gateway])
        async with self._state:
            self.gateway = gateway
            self._attach(ws)

    async def close(self) -> None:
        self._closing = True
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._ws is not None:
            await self._ws.close()

    async def _open(self, url: str) -> ClientConnection:
        return await connect(
            ws_endpoint(url, self.token), max_size=None, open_timeout=5, close_timeout=1
        )

    def _attach(self, ws: ClientConnection) -> None:
        self._ws = ws
        self._spawn(self._read(ws))
        self._state.notify_all()

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.get_running_loop().create_task(work))

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                self._on_frame(json.loads(raw))
                async with self._state:
                    self._state.notify_all()  # the window may have room, a waiter its frame
        except ConnectionClosed:
            pass
        if not self._closing:
            self._spawn(self._recover(ws))

    async def _recover(self, lost: ClientConnection) -> None:
        """Connect to the next gateway that answers, catch up, resend what is unacked."""
        async with self._state:
            if self._ws is not lost:
                return  # already recovered
            self._ws = None
        await lost.close()
        for attempt in range(RECONNECT_ROUNDS * len(self.ws_urls)):
            gateway = (self.gateway + 1 + attempt) % len(self.ws_urls)
            try:
                ws = await self._open(self.ws_urls[gateway])
            except (OSError, InvalidHandshake, TimeoutError):
                await asyncio.sleep(RECONNECT_PAUSE)
                continue
            async with self._state:
                try:
                    await ws.send(json.dumps(self.sync_frame()))
                    for frame in list(self.unacked.values()):
                        await ws.send(json.dumps(frame))
                except ConnectionClosed:
                    await ws.close()
                    continue  # that gateway died too: try the next one
                self.gateway = gateway
                self.reconnects += 1
                self.resent += len(self.unacked)
                self._attach(ws)
            return
        raise AssertionError(f"{self.name}: no gateway answered")

    # -- frames -------------------------------------------------------------------------

    def _on_frame(self, frame: Json) -> None:
        kind = frame.get("type")
        if kind == "message_sent":
            request_id = frame["request_id"]
            self.unacked.pop(request_id, None)
            self.acks[request_id] = frame
            self._saw(frame["chat_id"], frame["message_id"], frame["seq"])
        elif kind == "new_message":
            message = frame["message"]
            self._saw(message["chat_id"], message["id"], message["seq"])
        elif kind == "pong":
            self._pongs.put_nowait(None)
        elif kind == "error":
            self.errors.append(frame)

    def _saw(self, chat_id: str, message_id: str, seq: int) -> None:
        known = self.seen.setdefault(chat_id, {})
        assert known.get(message_id, seq) == seq, f"{message_id} came with two seqs"
        known[message_id] = seq

    # -- what the test drives -----------------------------------------------------------

    async def send(self, chat_id: str, text: str, request_id: str) -> None:
        """Send a message frame once the window has room and a connection is up; a frame
        lost with its connection is resent by the recovery."""
        frame = {"type": "message", "chat_id": chat_id, "text": text, "request_id": request_id}
        async with self._state:
            await self._state.wait_for(
                lambda: self._ws is not None and len(self.unacked) < self.window
            )
            self.sent[request_id] = chat_id
            self.unacked[request_id] = frame
            assert self._ws is not None
            with contextlib.suppress(ConnectionClosed):
                await self._ws.send(json.dumps(frame))

    async def send_and_ack(self, chat_id: str, text: str, request_id: str) -> Json:
        """Send one message and return its ack."""
        await self.send(chat_id, text, request_id)
        await self._wait_until(lambda: request_id in self.acks, 10, lambda: f"no ack {request_id}")
        return self.acks[request_id]

    async def wait_all_acked(self, wait: float) -> None:
        await self._wait_until(
            lambda: not self.unacked and self._ws is not None,
            wait,
            lambda: f"{len(self.unacked)} of {len(self.sent)} messages unacknowledged",
        )

    async def wait_acks(self, count: int, wait: float) -> None:
        """Wait until `count` of this member's messages are acknowledged."""
        await self._wait_until(
            lambda: len(self.acks) >= count, wait, lambda: f"{len(self.acks)} acks of {count}"
        )

    async def wait_seen(self, chat_id: str, message_ids: set[str], wait: float = 5.0) -> None:
        """Wait until every one of `message_ids` has reached this member."""
        await self._wait_until(
            lambda: message_ids <= self.seen_ids(chat_id),
            wait,
            lambda: f"{len(message_ids - self.seen_ids(chat_id))} of {len(message_ids)} unseen",
        )

    async def _wait_until(
        self, condition: Callable[[], bool], wait: float, state: Callable[[], str]
    ) -> None:
        try:
            async with asyncio.timeout(wait), self._state:
                await self._state.wait_for(condition)
        except TimeoutError:
            raise AssertionError(f"{self.name} after {wait}s: {state()}") from None

    def last_seen(self, chat_id: str) -> int:
        """The highest seq up to which this member has seen every message of the chat."""
        seqs = set(self.seen.get(chat_id, {}).values())
        last = 0
        while last + 1 in seqs:
            last += 1
        return last

    def sync_frame(self) -> Json:
        return {"type": "sync", "chats": {chat: self.last_seen(chat) for chat in self.chats}}

    async def catch_up(self, wait: float = 10.0) -> None:
        """Ask `sync` for every gap and wait until the replay is in: frames of a connection
        are handled in order, so the pong comes after the last replayed message."""
        async with self._state:
            await self._state.wait_for(lambda: self._ws is not None)
            assert self._ws is not None
            await self._ws.send(json.dumps(self.sync_frame()))
            await self._ws.send(json.dumps({"type": "ping"}))
        async with asyncio.timeout(wait):
            await self._pongs.get()

    def seen_ids(self, chat_id: str) -> set[str]:
        """The ids of the chat's messages this member has seen (sent, live or replayed)."""
        return set(self.seen.get(chat_id, {}))

    def acked_in(self, chat_id: str) -> dict[str, Json]:
        """This member's acks of messages in one chat, by request_id."""
        return {rid: ack for rid, ack in self.acks.items() if ack["chat_id"] == chat_id}


def assert_nothing_lost(chat_id: str, stored: list[Json], members: list[Member]) -> None:
    """The chat's history (ascending, as read over REST) against what the members did:
    seqs 1..n without gap or duplicate, each message sent stored exactly once under the
    id and seq its ack announced, and every member has seen every stored message."""
    seqs = [message["seq"] for message in stored]
    assert seqs == list(range(1, len(stored) + 1)), f"seqs of {chat_id} have gaps or repeats"
    by_request = {(m["sender_id"], m["request_id"]): m for m in stored}
    assert len(by_request) == len(stored), "one request stored twice"
    sent = {
        (member.user_id, rid)
        for member in members
        for rid, chat in member.sent.items()
        if chat == chat_id
    }
    assert set(by_request) == sent, (
        f"{len(sent - set(by_request))} sent messages not stored, "
        f"{len(set(by_request) - sent)} stored that nobody sent"
    )
    for member in members:
        for rid, ack in member.acked_in(chat_id).items():
            message = by_request[(member.user_id, rid)]
            assert (message["id"], message["seq"]) == (ack["message_id"], ack["seq"]), ack
    ids = {message["id"] for message in stored}
    for member in members:
        if chat_id in member.chats:
            missing = ids - member.seen_ids(chat_id)
            assert not missing, f"{member.name} never got {len(missing)} messages of {chat_id}"
            assert member.seen_ids(chat_id) <= ids, f"{member.name} saw a message not stored"
