"""The messages port."""

from typing import Protocol
from uuid import UUID

from pydantic import BaseModel

from hubbub.kernel.clock import Timestamp


class MessageView(BaseModel):
    id: UUID
    chat_id: UUID
    seq: int
    sender_id: UUID
    text: str
    created_at: Timestamp
    edited_at: Timestamp | None = None
    ai_generated: bool = False
    request_id: str | None = None


class MessageBrief(BaseModel):
    """The last message of a chat, as chat lists show it."""

    id: UUID
    seq: int
    sender_id: UUID
    text: str
    created_at: Timestamp
    ai_generated: bool


class MessagePage(BaseModel):
    messages: list[MessageView]
    has_previous: bool
    has_next: bool


class ChatActivity(BaseModel):
    """Where one member stands in one chat."""

    last_seq: int
    last_read_seq: int
    last_message: MessageBrief | None
    others_read_seq: int = 0  # the furthest any other member has read (read receipts)


class PostResult(BaseModel):
    message: MessageView
    created: bool  # False when a retry returned the original


class MessagesApi(Protocol):
    async def post(
        self,
        *,
        sender_id: UUID,
        chat_id: UUID,
        text: str,
        request_id: str | None,
        origin: str | None = None,
        ai_generated: bool = False,
    ) -> PostResult:
        """Store a message (or return the original for a repeated request_id) and fan it out.

        `origin` names the sending connection, which gets `message_sent` instead of `new_message`.
        """
        ...

    async def history(
        self,
        *,
        user_id: UUID,
        chat_id: UUID,
        limit: int,
        before_id: UUID | None = None,
        after_id: UUID | None = None,
        after_seq: int | None = None,
    ) -> MessagePage:
        """One keyset page, ascending by seq."""
        ...

    async def mark_read(self, *, user_id: UUID, chat_id: UUID, seq: int) -> int:
        """Advance the member's read cursor to `seq` (never back); returns the cursor."""
        ...

    async def activity(self, *, user_id: UUID, chat_ids: list[UUID]) -> dict[UUID, ChatActivity]:
        """last_seq / last_read_seq / last message of each chat, for one member."""
        ...

    async def catch_up(self, *, user_id: UUID, chat_id: UUID) -> None:
        """Set the member's cursor to the chat's last seq (for new members)."""
        ...
