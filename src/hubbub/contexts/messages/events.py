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
