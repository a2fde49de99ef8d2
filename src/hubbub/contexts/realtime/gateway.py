"""The WebSocket session: authenticate, attach to the hub, handle client frames in order.

Frames from one connection are handled one after another, so a client's messages keep the
order it sent them in; concurrency (and group commit) comes from many connections at once.
"""

import itertools
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs
from uuid import UUID

import orjson
import structlog
from starlette.responses import JSONResponse
from starlette.websockets import WebSocket, WebSocketDisconnect

from hubbub.contexts.assistant import AssistantApi
from hubbub.contexts.auth import AuthApi, Principal, bearer_token
from hubbub.contexts.chats import ChatsApi
from hubbub.contexts.messages import MessagesApi, MessageView
from hubbub.contexts.realtime import frames
from hubbub.contexts.realtime.announcer import OFFLINE, ONLINE, PresenceAnnouncer
from hubbub.contexts.realtime.connection import (
    PREBUILT_FRAMES_EXTENSION,
    Connection,
    OutFrame,
    WriteFrame,
)
from hubbub.contexts.realtime.hub import Hub
from hubbub.contexts.users import UsersApi
from hubbub.infra.observability.metrics import WS_CONNECTIONS, WS_ERRORS
from hubbub.kernel import frames as out
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import DomainError
from hubbub.kernel.ids import parse_id
from hubbub.kernel.origins import OriginPolicy
from hubbub.kernel.ports import Presence, RateLimit

log = structlog.get_logger(__name__)

CLOSE_UNAUTHORIZED = 4401
CLOSE_TOO_BIG = 1009


class Gateway:
    def __init__(
        self,
        *,
        auth: AuthApi,
        users: UsersApi,
        chats: ChatsApi,
        messages: MessagesApi,
        assistant: AssistantApi,
        hub: Hub,
        presence: Presence,
        rate_limiter: RateLimit,
        clock: Clock,
        instance: str,
        max_frame_bytes: int,
        send_queue: int,
        origins: OriginPolicy | None = None,
    ) -> None:
        self._auth = auth
        self._users = users
        self._chats = chats
        self._messages = messages
        self._assistant = assistant
        self._hub = hub
        self._presence = presence
        self._limiter = rate_limiter
        self._clock = clock
        self._max_frame = max_frame_bytes
        self._send_queue = send_queue
        self._origins = origins or OriginPolicy([])
        self._frame_counter = itertools.count(1)
        self._connection_counter = itertools.count(1)
        # Connection ids are unique across gateways: this process's instance id + a counter.
        self._instance = instance
        self._announcer = PresenceAnnouncer(
            announce=self._announce_presence, record_offline=self._record_offline
        )

    async def serve(self, websocket: WebSocket) -> None:
        """The whole life of one connection."""
        headers = websocket.headers
        if not self._origins.allows(headers.get("origin"), headers.get("host")):
            # Refused before the handshake: a page of another site may not open a socket
            # with a token it got hold of (the same rule as REST, see entry/security.py).
            body = {"error": {"code": "origin_not_allowed", "message": "origin not allowed"}}
            await websocket.send_denial_response(JSONResponse(body, status_code=403))
            return
        query = parse_qs(websocket.scope.get("query_string", b"").decode("latin-1"))
        token = _first(query, "token") or bearer_token(websocket.headers.get("authorization"))
        try:
            principal = await self._auth.authenticate(token or "")
        except DomainError as exc:
            await websocket.accept()
            await websocket.close(CLOSE_UNAUTHORIZED, exc.message)
            return
        default_chat = parse_id(_first(query, "chat_id") or "")
        del query, token  # this frame lives as long as the socket: keep it small
        await self._session(websocket, principal, default_chat)

    async def _session(
        self, websocket: WebSocket, principal: Principal, default_chat: UUID | None
    ) -> None:
        user_id = principal.user_id
        conn = Connection(
            conn_id=f"{self._instance}-{next(self._connection_counter)}",
            user_id=user_id,
            session_id=principal.session_id,
            send=websocket.send_text,
            close=websocket.close,
            max_queue=self._send_queue,
            write_now=_prebuilt_frame_writer(websocket),
        )
        WS_CONNECTIONS.inc()
        counted = False
        try:
            await self._hub.attach(conn, await self._chats.chat_ids_of(user_id=user_id))
            # Attached, a session ending from now on closes the socket; one that ended
            # between the token check and here is caught by checking again.
            try:
                await self._auth.check_session(principal=principal)
            except DomainError as exc:
                await websocket.accept()
                await websocket.close(CLOSE_UNAUTHORIZED, exc.message)
                return
            await websocket.accept()
            conn.start()
            counted = True
            if await self._presence.connect(user_id):
                self._announcer.note(user_id, ONLINE, self._clock.now())
            await self._read_loop(websocket, conn, default_chat)
        finally:
            WS_CONNECTIONS.dec()
            await self._hub.detach(conn)
            await conn.stop()
            if counted and await self._presence.disconnect(user_id):
                self._announcer.note(user_id, OFFLINE, self._clock.now())

    async def _read_loop(
        self, websocket: WebSocket, conn: Connection, default_chat: UUID | None
    ) -> None:
        while True:
            try:
                message = await websocket.receive()
            except (WebSocketDisconnect, RuntimeError):
                return
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:
                raw = message.get("bytes") or b""
            if len(raw) > self._max_frame:  # the server limit normally closes first
                await websocket.close(CLOSE_TOO_BIG, "frame too large")
                return
            await self._handle(conn, raw, default_chat)

    async def _handle(self, conn: Connection, raw: str | bytes, default_chat: UUID | None) -> None:
        frame: frames.ClientFrame | None = None
        structlog.contextvars.bind_contextvars(
            request_id=f"{conn.id}-{next(self._frame_counter)}", user_id=str(conn.user_id)
        )
        try:
            frame = frames.parse(raw)
            await self._limiter.hit(f"ws:{conn.user_id}")
            await self._dispatch(conn, frame, default_chat)
        except DomainError as exc:
            WS_ERRORS.labels(exc.code).inc()
            self._send(
                conn, frames.error_frame(exc.code, exc.message, frame.request_id if frame else None)
            )
        except Exception:
            log.exception("ws_frame_failed")
            WS_ERRORS.labels("internal_error").inc()
            self._send(
                conn,
                frames.error_frame(
                    "internal_error", "internal error", frame.request_id if frame else None
                ),
            )

    async def _dispatch(
        self, conn: Connection, frame: frames.ClientFrame, default_chat: UUID | None
    ) -> None:
        kind = frame.type
        if kind == "message":
            await self._on_message(conn, frame, default_chat)
        elif kind == "ping":
            self._send(conn, out.Pong().dump())
        elif kind == "typing":
            chat_id = frames.chat_id(frame, default_chat)
            is_typing = frames.required(frame, "is_typing", bool)
            await self._chats.check_member(chat_id=chat_id, user_id=conn.user_id)
            typing = out.Typing(chat_id=chat_id, user_id=conn.user_id, is_typing=is_typing)
            await self._hub.to_chat(chat_id, typing.dump(), skip_user=conn.user_id)
        elif kind == "read":
            chat_id = frames.chat_id(frame, default_chat)
            seq = frames.required(frame, "seq", int)
            await self._messages.mark_read(user_id=conn.user_id, chat_id=chat_id, seq=seq)
        elif kind == "sync":
            await self._on_sync(conn, frames.sync_positions(frame), frames.sync_changes(frame))
        else:  # advice_request: the advice arrives later as an `ai_advice` frame
            chat_id = frames.chat_id(frame, default_chat)
            await self._assistant.request_advice(user_id=conn.user_id, chat_id=chat_id)

    async def _on_message(
        self, conn: Connection, frame: frames.ClientFrame, default_chat: UUID | None
    ) -> None:
        chat_id = frames.chat_id(frame, default_chat)
        text = frames.required(frame, "text", str)
        request_id = frames.required(frame, "request_id", str)
        result = await self._messages.post(
            sender_id=conn.user_id,
            chat_id=chat_id,
            text=text,
            request_id=request_id,
            origin=conn.id,
            reply_to=frames.optional_id(frame, "reply_to"),
            file_ids=frames.optional_ids(frame, "file_ids"),
        )
        message = result.message
        sent = out.MessageSent(
            request_id=request_id,
            chat_id=message.chat_id,
            message_id=message.id,
            seq=message.seq,
            created_at=message.created_at,
        )
        self._send(conn, sent.dump())

    async def _on_sync(
        self, conn: Connection, positions: dict[UUID, int], changes: dict[UUID, int]
    ) -> None:
        """Per chat: the missed messages as `new_message`, then every message changed since
        the last one seen was sent as `message_updated`, in the order of the changes."""
        for chat_id, seen in positions.items():
            page = await self._messages.history(
                user_id=conn.user_id, chat_id=chat_id, limit=500, after_seq=seen
            )
            for message in page.messages:
                self._send(conn, out.NewMessage[MessageView](message=message).dump())
            if page.has_next:
                self._send(conn, out.SyncTruncated(chat_id=chat_id).dump())
                continue  # the client pages the rest through REST, which is current
            changed = await self._messages.changed_since(
                user_id=conn.user_id,
                chat_id=chat_id,
                seq=seen,
                after_change=changes.get(chat_id),
                limit=500,
            )
            for number, message in changed:
                updated = out.MessageUpdated[MessageView](
                    change="deleted" if message.deleted else "sync",
                    change_id=number,
                    message=message,
                )
                self._send(conn, updated.dump())
            if len(changed) == 500:
                self._send(conn, out.SyncTruncated(chat_id=chat_id).dump())

    def _send(self, conn: Connection, frame: dict[str, Any]) -> None:
        conn.push(OutFrame.of_json(orjson.dumps(frame)))

    async def _announce_presence(self, user_id: UUID, event: str, at: datetime) -> None:
        presence = "user_online" if event == ONLINE else "user_offline"
        frame = out.Presence(event=presence, user_id=user_id, timestamp=at).dump()
        for contact in await self._chats.contacts_of(user_id=user_id):
            await self._hub.to_user(contact, frame)

    async def _record_offline(self, user_id: UUID, at: datetime) -> None:
        await self._users.touch_last_seen(user_id=user_id, at=at)

    async def went_offline(self, user_id: UUID) -> None:
        """Record and announce that the user has no connection left anywhere (called by
        presence for the users of a gateway that died)."""
        try:
            now = self._clock.now()
            await self._record_offline(user_id, now)
            await self._announce_presence(user_id, OFFLINE, now)
        except Exception:
            log.exception("presence_offline_failed", user_id=str(user_id))

    async def flush_presence(self) -> None:
        """Announce the presence transitions still waiting (at shutdown)."""
        await self._announcer.flush()


def _first(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values else None


def _prebuilt_frame_writer(websocket: WebSocket) -> WriteFrame | None:
    """The server's writer of serialized frames, when it offers one (see connection.py)."""
    extensions = websocket.scope.get("extensions") or {}
    offer = extensions.get(PREBUILT_FRAMES_EXTENSION) or {}
    write = offer.get("write")
    return write if callable(write) else None
