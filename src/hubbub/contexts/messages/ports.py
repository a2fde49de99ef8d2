"""What the messages context needs."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol
from uuid import UUID

from hubbub.contexts.messages.api import ChatActivity, MessageView
from hubbub.contexts.messages.model import Draft


class MessageStore(Protocol):
    async def append(self, drafts: list[Draft], now: datetime) -> list[tuple[MessageView, bool]]:
        """Store the drafts in one transaction, in order, with their outbox events.

        Each chat's seq grows by one per new message with no gaps; a draft whose
        (chat, sender, request_id) exists returns the stored original with False.
        The sender's read cursor moves to their new message.
        """
        ...

    async def get(self, chat_id: UUID, message_id: UUID) -> MessageView | None: ...

    async def get_many(self, message_ids: list[UUID]) -> list[MessageView]:
        """The stored messages with these ids (any chat; unknown ids are left out)."""
        ...

    async def page(
        self, chat_id: UUID, *, below_seq: int | None, above_seq: int | None, limit: int
    ) -> list[MessageView]:
        """Up to `limit` messages, ascending; the newest ones when `above_seq` is None."""
        ...

    async def last_seq(self, chat_id: UUID) -> int: ...

    async def activity(self, user_id: UUID, chat_ids: list[UUID]) -> dict[UUID, ChatActivity]: ...

    async def advance_cursor(self, chat_id: UUID, user_id: UUID, seq: int) -> tuple[int, bool]:
        """Move the cursor forward to `seq`; (cursor now, whether it moved)."""
        ...

    async def delete_cursors(self, user_id: UUID) -> None:
        """Forget every read cursor of a user (a deleted account)."""
        ...


ChangeKind = Literal["edited", "deleted", "reacted", "unreacted"]


@dataclass(frozen=True, slots=True)
class Change:
    """One change to an existing message, already checked by the service."""

    kind: ChangeKind
    chat_id: UUID
    message_id: UUID
    actor_id: UUID
    text: str | None = None  # edited
    emoji: str | None = None  # reacted / unreacted


@dataclass(frozen=True, slots=True)
class ChangeOutcome:
    message: MessageView  # as it is now (reactions without `me`)
    change_seq: int | None  # None when nothing changed (a reaction already there or gone)
    forgotten_blobs: list[str] = field(default_factory=list)  # a deleted message's files


class ChangeStore(Protocol):
    async def apply(self, change: Change, now: datetime) -> ChangeOutcome:
        """Apply the change, stamp the message and write its event, in one transaction.

        NotFound for an unknown message; Conflict (`message_deleted`) for a deleted one.
        """
        ...

    async def changed_since(
        self, chat_id: UUID, *, seq: int, after_change: int | None, limit: int
    ) -> list[tuple[int, MessageView]]:
        """Messages up to `seq` changed after message `seq` was sent, by latest change."""
        ...


class Membership(Protocol):
    """Membership answers (owned by the chats context)."""

    async def check_member(self, *, chat_id: UUID, user_id: UUID) -> None:
        """NotFound for an unknown chat, Forbidden for a non-member."""
        ...

    async def room_owner(self, *, chat_id: UUID) -> UUID | None:
        """The owner of a group room; None for a direct chat."""
        ...

    async def member_ids(self, *, chat_id: UUID) -> set[UUID]:
        """Ids of the chat's members."""
        ...

    async def chat_ids_of(self, *, user_id: UUID) -> list[UUID]:
        """Ids of every chat the user belongs to (what they can read and search)."""
        ...
