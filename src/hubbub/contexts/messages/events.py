"""Events of the messages context (bus topics follow `<context>.<entity>.<past tense>`)."""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from hubbub.contexts.messages.api import MessageView
from hubbub.kernel.events import Event


@dataclass(frozen=True, slots=True)
class MessagePosted(Event):
    """A message was durably stored (published from the outbox after commit)."""

    topic: ClassVar[str] = "chat.message.persisted"

    message_id: UUID
    chat_id: UUID
    seq: int
    sender_id: UUID
    text: str
    created_at: datetime
    ai_generated: bool
    request_id: str | None

    @property
    def key(self) -> str:
        return str(self.chat_id)  # per-chat order on the bus

    @classmethod
    def of(cls, message: MessageView) -> "MessagePosted":
        """The event of a message that was just stored."""
        return cls(
            message_id=message.id,
            chat_id=message.chat_id,
            seq=message.seq,
            sender_id=message.sender_id,
            text=message.text,
            created_at=message.created_at,
            ai_generated=message.ai_generated,
            request_id=message.request_id,
        )


@dataclass(frozen=True, slots=True)
class MessageChanged(Event):
    """An existing message changed: `change` is "edited", "deleted" or "reactions".

    One event for every kind of change, keyed by chat like `MessagePosted`, so a consumer sees
    a chat's messages and their changes in the order they happened. `text` is the text after
    the change ("" once deleted: a deleted message's text leaves the system with it).
    """

    topic: ClassVar[str] = "chat.message.updated"

    message_id: UUID
    chat_id: UUID
    seq: int
    sender_id: UUID
    change: str
    change_seq: int
    actor_id: UUID
    text: str
    deleted: bool
    changed_at: datetime

    @property
    def key(self) -> str:
        return str(self.chat_id)
