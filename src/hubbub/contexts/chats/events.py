"""Events of the chats context, written to the outbox in the transaction of the change."""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from hubbub.kernel.events import Event


@dataclass(frozen=True, slots=True)
class MemberInvited(Event):
    """Someone was added to a room by another member (at creation or later)."""

    topic: ClassVar[str] = "chat.invite"

    chat_id: UUID
    user_id: UUID
    invited_by: UUID
    title: str | None
    invited_at: datetime

    @property
    def key(self) -> str:
        return str(self.chat_id)  # a room's membership changes stay in order
