"""Events of the auth context, written to the outbox in the transaction of the change."""

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from uuid import UUID

from hubbub.kernel.events import Event


@dataclass(frozen=True, slots=True)
class UserDeleted(Event):
    """An account was deleted: its credentials and sessions are gone; every context that
    keeps something of the person erases it on this event (their messages in other
    people's chats stay, attributed to a deleted account)."""

    topic: ClassVar[str] = "user.deleted"

    user_id: UUID
    deleted_at: datetime

    @property
    def key(self) -> str:
        return str(self.user_id)
