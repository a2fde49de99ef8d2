"""The membership the messages context keeps for itself (issue 12).

Chats publishes every membership change as an event, in the transaction of the change;
this projection applies them to messages' own tables and answers the `Membership` port
from there. A send, an edit, a search or an upload therefore asks no other context: there
is no call from messages into chats, and no hop per message when they run apart.

The events arrive by two roads: from the bus (every process, durable, at least once) and,
in a process that runs chats too, straight after chats commits (so whoever created a chat
can send in it at once). Each change carries a time-ordered `change_id`; a row keeps the
newest it has seen, so repeats and late arrivals change nothing.

Every send checks membership, so a chat's row and members are read through the shared
`Cache` (Redis when configured, 30 s), as chats did before: applying a change deletes the
chat's entry after it is written, in whichever process applies it. A reader that loaded the
old members just before a change can put them back, so in that rare race a removed member
could still post for at most the cache lifetime (as before).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import UUID

import orjson

from hubbub.kernel.errors import Forbidden, NotFound
from hubbub.kernel.ports import Bus, BusRecord, Cache

GROUP = "messages-membership"

# The chats context's topics (hubbub.contexts.chats.events; messages does not import chats,
# which imports messages; tests/contract/test_membership_events.py holds the two together).
CHAT_CREATED = "chat.created"
MEMBER_JOINED = "chat.member_joined"
MEMBER_LEFT = "chat.member_left"
TOPICS = (CHAT_CREATED, MEMBER_JOINED, MEMBER_LEFT)


@dataclass(frozen=True, slots=True)
class ChatRow:
    chat_id: UUID
    type: str
    owner_id: UUID | None


class MembershipStore(Protocol):
    """Messages' copy of who belongs to which chat."""

    async def put_chat(self, chat: ChatRow, version: str) -> None:
        """Insert the chat, or update it when `version` is newer than its row's."""
        ...

    async def set_owner(self, chat_id: UUID, owner_id: UUID, version: str) -> None:
        """A known chat's new owner, when `version` is newer than its row's."""
        ...

    async def put_member(self, chat_id: UUID, user_id: UUID, active: bool, version: str) -> None:
        """Insert or (when `version` is newer) update one membership row."""
        ...

    async def chat(self, chat_id: UUID) -> ChatRow | None: ...

    async def is_member(self, chat_id: UUID, user_id: UUID) -> bool: ...

    async def member_ids(self, chat_id: UUID) -> set[UUID]: ...

    async def chat_ids_of(self, user_id: UUID) -> list[UUID]: ...


@dataclass(frozen=True, slots=True)
class _Known:
    type: str
    owner_id: str | None
    members: list[str]  # as text: a send compares one id, no list of UUIDs is built


class MembershipProjection:
    """Applies chats' membership events; answers the `Membership` port."""

    def __init__(
        self, store: MembershipStore, cache: Cache, *, cache_seconds: float = 30.0
    ) -> None:
        self._store = store
        self._cache = cache
        self._cache_seconds = cache_seconds

    def subscribe(self, bus: Bus) -> None:
        for topic in TOPICS:
            bus.subscribe(topic, GROUP, self._handler(topic))

    def _handler(self, topic: str) -> Any:
        async def handle(_key: str, payload: bytes) -> None:
            await self.apply(topic, orjson.loads(payload))

        return handle

    async def deliver(self, records: Sequence[BusRecord]) -> None:
        """Apply records as the bus would deliver them (chats' `Committed` listener)."""
        for topic, _key, payload in records:
            if topic in TOPICS:
                await self.apply(topic, orjson.loads(payload))

    async def apply(self, topic: str, data: dict[str, Any]) -> None:
        chat_id = UUID(data["chat_id"])
        try:
            await self._apply(topic, chat_id, data)
        finally:
            await self._cache.delete(_key(chat_id))  # after the write: the next read is fresh

    async def _apply(self, topic: str, chat_id: UUID, data: dict[str, Any]) -> None:
        version = str(UUID(data["change_id"]))
        if topic == CHAT_CREATED:
            owner = data.get("owner_id")
            row = ChatRow(chat_id, str(data["chat_type"]), UUID(owner) if owner else None)
            await self._store.put_chat(row, version)
        elif topic == MEMBER_JOINED:
            await self._store.put_member(chat_id, UUID(data["user_id"]), True, version)
        elif topic == MEMBER_LEFT:
            await self._store.put_member(chat_id, UUID(data["user_id"]), False, version)
            if data.get("new_owner_id"):
                await self._store.set_owner(chat_id, UUID(data["new_owner_id"]), version)

    # -- the Membership port --------------------------------------------------------

    async def check_member(self, *, chat_id: UUID, user_id: UUID) -> None:
        """NotFound for an unknown chat, Forbidden for a non-member."""
        known = await self._known(chat_id)
        if known is None:
            raise NotFound("chat not found", code="chat_not_found")
        if str(user_id) not in known.members:
            raise Forbidden("you are not a member of this chat", code="not_a_member")

    async def room_owner(self, *, chat_id: UUID) -> UUID | None:
        known = await self._known(chat_id)
        if known is None or known.type != "group" or known.owner_id is None:
            return None
        return UUID(known.owner_id)

    async def member_ids(self, *, chat_id: UUID) -> set[UUID]:
        known = await self._known(chat_id)
        return {UUID(m) for m in known.members} if known is not None else set()

    async def chat_ids_of(self, *, user_id: UUID) -> list[UUID]:
        return await self._store.chat_ids_of(user_id)

    async def _known(self, chat_id: UUID) -> _Known | None:
        """The chat and its members: from the cache, else the tables (then cached)."""
        key = _key(chat_id)
        cached = await self._cache.get(key)
        if cached is not None:
            data = orjson.loads(cached)
            return _Known(data["t"], data["o"], data["m"])
        chat = await self._store.chat(chat_id)
        if chat is None:
            return None  # not cached: the chat may be on its way
        known = _Known(
            chat.type,
            str(chat.owner_id) if chat.owner_id else None,
            [str(m) for m in await self._store.member_ids(chat_id)],
        )
        value = {"t": known.type, "o": known.owner_id, "m": known.members}
        await self._cache.set(key, orjson.dumps(value), ttl_seconds=self._cache_seconds)
        return known


def _key(chat_id: UUID) -> str:
    return f"messages:membership:{chat_id}"
