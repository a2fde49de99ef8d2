"""In-memory chats ports for unit tests."""

from collections.abc import Sequence
from uuid import UUID

from hubbub.contexts.chats.model import Chat, Member
from hubbub.contexts.messages import ChatActivity
from hubbub.kernel.events import Event


class InMemoryChatStore:
    """`outbox` collects the events SqlChatStore would write to its outbox table."""

    def __init__(self) -> None:
        self.chats: dict[UUID, Chat] = {}
        self.memberships: dict[tuple[UUID, UUID], Member] = {}
        self.outbox: list[Event] = []
        self.muted: set[tuple[UUID, UUID]] = set()  # (chat, user)

    async def add_chat(
        self, chat: Chat, members: list[Member], events: Sequence[Event] = ()
    ) -> Chat:
        if chat.direct_key is not None:
            for existing in self.chats.values():
                if existing.direct_key == chat.direct_key:
                    return existing
        self.chats[chat.id] = chat
        for m in members:
            self.memberships[(m.chat_id, m.user_id)] = m
        self.outbox.extend(events)
        return chat

    async def get_chat(self, chat_id: UUID) -> Chat | None:
        return self.chats.get(chat_id)

    async def find_direct(self, key: str) -> Chat | None:
        return next((c for c in self.chats.values() if c.direct_key == key), None)

    async def get_chats(self, chat_ids: list[UUID]) -> list[Chat]:
        return [self.chats[c] for c in chat_ids if c in self.chats]

    async def members(self, chat_id: UUID) -> list[Member]:
        return sorted(
            (m for (c, _), m in self.memberships.items() if c == chat_id),
            key=lambda m: m.joined_at,
        )

    async def memberships_of(self, user_id: UUID) -> list[Member]:
        return [m for (_, u), m in self.memberships.items() if u == user_id]

    async def member_counts(self, chat_ids: list[UUID]) -> dict[UUID, int]:
        return {c: len(await self.members(c)) for c in chat_ids}

    async def members_of_chats(self, chat_ids: list[UUID]) -> list[Member]:
        wanted = set(chat_ids)
        return [m for (c, _), m in self.memberships.items() if c in wanted]

    async def add_member(self, member: Member, events: Sequence[Event] = ()) -> bool:
        key = (member.chat_id, member.user_id)
        if key in self.memberships:
            return False
        self.memberships[key] = member
        self.outbox.extend(events)
        return True

    async def remove_member(
        self,
        chat_id: UUID,
        user_id: UUID,
        *,
        new_owner: UUID | None,
        events: Sequence[Event] = (),
    ) -> bool:
        removed = self.memberships.pop((chat_id, user_id), None)
        if removed:
            self.outbox.extend(events)
        if removed and new_owner is not None:
            heir = self.memberships[(chat_id, new_owner)]
            self.memberships[(chat_id, new_owner)] = Member(
                chat_id, new_owner, "owner", heir.joined_at
            )
            chat = self.chats[chat_id]
            self.chats[chat_id] = Chat(
                chat.id, chat.type, chat.title, new_owner, chat.direct_key, chat.created_at
            )
        return removed is not None

    async def set_muted(self, chat_id: UUID, user_id: UUID, muted: bool) -> None:
        if muted:
            self.muted.add((chat_id, user_id))
        else:
            self.muted.discard((chat_id, user_id))

    async def muted_among(self, user_id: UUID, chat_ids: list[UUID]) -> set[UUID]:
        return {c for c in chat_ids if (c, user_id) in self.muted}


class NoActivity:
    """Activity lookup for chats without messages."""

    def __init__(self) -> None:
        self.caught_up: list[tuple[UUID, UUID]] = []

    async def activity(self, *, user_id: UUID, chat_ids: list[UUID]) -> dict[UUID, ChatActivity]:
        return {}

    async def catch_up(self, *, user_id: UUID, chat_id: UUID) -> None:
        self.caught_up.append((user_id, chat_id))
