"""Events of the messages context (bus topics follow `<context>.<entity>.<past tense>`)."""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID

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
