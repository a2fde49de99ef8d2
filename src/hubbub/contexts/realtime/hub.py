"""The gateway's local registry of connections, fed by the fan-out.

A chat channel is subscribed upstream when the first local member of the chat connects and
dropped after the last (broadcaster's pattern); a user channel likewise. Publishing is O(1)
per event: one publish per chat or user channel, whatever the number of members.
"""

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable, Coroutine, Sequence
from typing import Any
from uuid import UUID

import orjson
import structlog

from hubbub.contexts.realtime import envelope
from hubbub.contexts.realtime.connection import Connection, OutFrame
from hubbub.kernel.ports import Fanout, Frame

log = structlog.get_logger(__name__)

DROPPABLE_TYPES = frozenset({"typing", "presence"})
# Every client-facing process listens here: which sessions ended (their caches drop them).
SESSIONS_CHANNEL = "sessions"


def chat_channel(chat_id: UUID | str) -> str:
    return f"chat:{chat_id}"


def user_channel(user_id: UUID | str) -> str:
    return f"user:{user_id}"


class Hub:
    def __init__(self, fanout: Fanout) -> None:
        self._fanout = fanout
        self._by_channel: dict[str, set[Connection]] = defaultdict(set)
        self._chats_of: dict[str, set[str]] = defaultdict(set)  # connection id -> chat channels
        self._tasks: set[asyncio.Task[None]] = set()
        self._on_sessions_ended: Callable[[list[UUID]], None] | None = None

    async def listen_for_ended_sessions(self, listener: Callable[[list[UUID]], None]) -> None:
        """Call `listener` with the ids of sessions ended anywhere in the deployment (once
        the fan-out has started)."""
        self._on_sessions_ended = listener
        await self._fanout.subscribe(SESSIONS_CHANNEL)

    async def sessions_ended(self, user_id: UUID, session_ids: Sequence[UUID]) -> None:
        """SessionNotices: every process forgets these sessions, and the sockets opened with
        them close with 4401 wherever they are (through the user's channel)."""
        ids = [str(s) for s in session_ids]
        await self._fanout.publish(SESSIONS_CHANNEL, orjson.dumps(ids))
        await self._fanout.publish(
            user_channel(user_id), envelope.encode(None, end_sessions=tuple(ids))
        )

    # -- LiveEvents: what services call after commit ----------------------------------

    async def to_chat(
        self,
        chat_id: UUID,
        frame: Frame,
        *,
        skip_connection: str | None = None,
        skip_user: UUID | None = None,
    ) -> None:
        stamp = time.time() if frame.get("type") == "new_message" else None
        payload = envelope.encode(
            frame,
            skip_connection=skip_connection,
            skip_user=str(skip_user) if skip_user else None,
            droppable=frame.get("type") in DROPPABLE_TYPES,
            stamp=stamp,
        )
        await self._fanout.publish(chat_channel(chat_id), payload)

    async def to_user(
        self,
        user_id: UUID,
        frame: Frame | None,
        *,
        join_chat: UUID | None = None,
        leave_chat: UUID | None = None,
    ) -> None:
        payload = envelope.encode(
            frame,
            join_chat=str(join_chat) if join_chat else None,
            leave_chat=str(leave_chat) if leave_chat else None,
            droppable=frame is not None and frame.get("type") in DROPPABLE_TYPES,
        )
        await self._fanout.publish(user_channel(user_id), payload)

    # -- local registry ---------------------------------------------------------------

    async def attach(self, conn: Connection, chat_ids: list[UUID]) -> None:
        """Start delivering the user's own events and those of their chats to `conn`."""
        for channel in [user_channel(conn.user_id), *map(chat_channel, chat_ids)]:
            if self._add(channel, conn):
                await self._fanout.subscribe(channel)

    async def detach(self, conn: Connection) -> None:
        for channel in [user_channel(conn.user_id), *self._chats_of.pop(conn.id, ())]:
            if self._remove(channel, conn):
                await self._fanout.unsubscribe(channel)

    def connections_of(self, user_id: UUID) -> set[Connection]:
        return set(self._by_channel.get(user_channel(user_id), ()))

    # -- the fan-out listener ---------------------------------------------------------

    def deliver(self, channel: str, payload: bytes) -> None:
        """Called by the fan-out for every event on a channel this process subscribed to."""
        if channel == SESSIONS_CHANNEL:
            self._sessions_ended(payload)
            return
        try:
            event = envelope.decode(payload)
        except Exception:
            log.warning("fanout_bad_payload", channel=channel)
            return
        local = self._by_channel.get(channel)
        if not local:
            return
        if event.end_sessions:
            ended = set(event.end_sessions)
            for conn in tuple(local):
                if str(conn.session_id) in ended:
                    conn.end_session()
        if event.join_chat or event.leave_chat:
            self._membership_changed(tuple(local), event)
        if event.frame is None:
            return
        frame = OutFrame(event.frame)  # serialized once for every socket it goes to
        for conn in tuple(local):
            if conn.id == event.skip_connection or (
                event.skip_user is not None and str(conn.user_id) == event.skip_user
            ):
                continue
            conn.push(frame, droppable=event.droppable, stamp=event.stamp)

    def _sessions_ended(self, payload: bytes) -> None:
        try:
            ids = [UUID(s) for s in orjson.loads(payload)]
        except Exception:
            log.warning("fanout_bad_payload", channel=SESSIONS_CHANNEL)
            return
        if self._on_sessions_ended is not None:
            self._on_sessions_ended(ids)

    def _membership_changed(self, conns: tuple[Connection, ...], event: envelope.Envelope) -> None:
        # Local routing changes at once, so a message sent right after an invite reaches the
        # invitee; only the upstream (un)subscribe is asynchronous.
        for conn in conns:
            if event.join_chat and self._add(chat_channel(event.join_chat), conn):
                self._spawn(self._fanout.subscribe(chat_channel(event.join_chat)))
            if event.leave_chat and self._remove(chat_channel(event.leave_chat), conn):
                self._spawn(self._fanout.unsubscribe(chat_channel(event.leave_chat)))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _add(self, channel: str, conn: Connection) -> bool:
        """Add locally; True when the channel just got its first local listener."""
        members = self._by_channel[channel]
        if conn in members:
            return False
        members.add(conn)
        if channel.startswith("chat:"):
            self._chats_of[conn.id].add(channel)
        return len(members) == 1

    def _remove(self, channel: str, conn: Connection) -> bool:
        """Remove locally; True when the channel just lost its last local listener."""
        members = self._by_channel.get(channel)
        if not members or conn not in members:
            return False
        members.discard(conn)
        if channel.startswith("chat:") and conn.id in self._chats_of:
            self._chats_of[conn.id].discard(channel)
        if members:
            return False
        del self._by_channel[channel]
        return True
