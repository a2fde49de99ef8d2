"""What the chats context needs."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol
from uuid import UUID

from hubbub.contexts.chats.model import Chat, Member
from hubbub.contexts.messages import ChatActivity
from hubbub.kernel.events import Event
from hubbub.kernel.ports import BusRecord


class ChatStore(Protocol):
    async def add_chat(
        self, chat: Chat, members: list[Member], events: Sequence[Event] = ()
    ) -> Chat:
        """Insert a chat with its members (and `events` into the outbox, in the same
        transaction); for a direct chat whose pair already has one, insert nothing and return
        the existing chat."""
        ...

    async def get_chat(self, chat_id: UUID) -> Chat | None: ...

    async def find_direct(self, key: str) -> Chat | None: ...

    async def get_chats(self, chat_ids: list[UUID]) -> list[Chat]: ...

    async def members(self, chat_id: UUID) -> list[Member]: ...

    async def memberships_of(self, user_id: UUID) -> list[Member]: ...

    async def member_counts(self, chat_ids: list[UUID]) -> dict[UUID, int]: ...

    async def members_of_chats(self, chat_ids: list[UUID]) -> list[Member]: ...

    async def add_member(self, member: Member, events: Sequence[Event] = ()) -> bool:
        """False when already a member; `events` go to the outbox in the same transaction."""
        ...

    async def remove_member(
        self,
        chat_id: UUID,
        user_id: UUID,
        *,
        new_owner: UUID | None,
        events: Sequence[Event] = (),
    ) -> bool:
        """Remove; when `new_owner` is set the room's ownership passes to them. `events` go
        to the outbox in the same transaction, only when a member was removed."""
        ...

    async def set_muted(self, chat_id: UUID, user_id: UUID, muted: bool) -> None: ...

    async def muted_among(self, user_id: UUID, chat_ids: list[UUID]) -> set[UUID]:
        """Which of these chats the user muted."""
        ...


class ActivityLookup(Protocol):
    """Per-member message activity of chats (owned by the messages context)."""

    async def activity(
        self, *, user_id: UUID, chat_ids: list[UUID]
    ) -> dict[UUID, ChatActivity]: ...

    async def catch_up(self, *, user_id: UUID, chat_id: UUID) -> None:
        """Mark everything so far as read (a new member does not inherit old unread)."""
        ...


Committed = Callable[[Sequence[BusRecord]], Awaitable[None]]
"""Told, right after commit, the membership events that went to the outbox with the change
(as the bus will carry them): a process that also keeps a projection of them (messages) is
up to date before the caller hears back. The bus delivers the same records later."""
