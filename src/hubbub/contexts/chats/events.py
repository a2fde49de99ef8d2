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


# Membership changes (issue 12): the messages context keeps the membership it needs from
# these (its own table), so a send asks nobody. Each carries `change_id`, a time-ordered id
# of the change: a consumer that sees a row's change again, or an older one late, keeps the
# newest (the events reach it twice in a process that runs both contexts: at once after
# commit, and from the bus).


@dataclass(frozen=True, slots=True)
class ChatCreated(Event):
    """A chat exists (its members follow as `chat.member_joined`)."""

    topic: ClassVar[str] = "chat.created"

    chat_id: UUID
    chat_type: str  # "direct" | "group"
    owner_id: UUID | None  # rooms only
    change_id: UUID

    @property
    def key(self) -> str:
        return str(self.chat_id)


@dataclass(frozen=True, slots=True)
class MemberJoined(Event):
    """Someone became a member (a chat's creation, an invitation)."""

    topic: ClassVar[str] = "chat.member_joined"

    chat_id: UUID
    user_id: UUID
    change_id: UUID

    @property
    def key(self) -> str:
        return str(self.chat_id)


@dataclass(frozen=True, slots=True)
class MemberLeft(Event):
    """Someone stopped being a member (left, removed, account deleted); when the room's
    owner left, `new_owner_id` owns it now."""

    topic: ClassVar[str] = "chat.member_left"

    chat_id: UUID
    user_id: UUID
    new_owner_id: UUID | None
    change_id: UUID

    @property
    def key(self) -> str:
        return str(self.chat_id)


MEMBERSHIP_TOPICS = (ChatCreated.topic, MemberJoined.topic, MemberLeft.topic)
