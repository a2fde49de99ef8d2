"""The chats port."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol
from uuid import UUID

from pydantic import BaseModel, Field

from hubbub.contexts.messages import MessageBrief
from hubbub.contexts.users import UserView
from hubbub.kernel.clock import Timestamp

ChatType = Literal["direct", "group"]
Role = Literal["owner", "member"]


class PartnerView(BaseModel):
    id: UUID
    username: str
    display_name: str
    online: bool
    last_read_seq: int = Field(
        default=0, description="How far the partner has read: your messages up to it are seen"
    )
    deleted: bool = Field(
        default=False, description='The partner deleted their account ("Deleted account")'
    )


class ChatView(BaseModel):
    """A chat as one member sees it (unread counts are per member)."""

    id: UUID
    type: ChatType
    title: str | None
    partner: PartnerView | None = Field(description="The other member; direct chats only")
    members_count: int
    owner_id: UUID | None
    last_message: MessageBrief | None
    last_seq: int
    last_read_seq: int
    unread_count: int
    mention_count: int = Field(
        default=0, description="Unread messages that mention you by @username (rooms)"
    )
    muted: bool = Field(default=False, description="You muted this chat: no notifications")
    created_at: Timestamp
    updated_at: Timestamp


class ChatList(BaseModel):
    chats: list[ChatView]
    total: int
    has_more: bool


class MemberView(BaseModel):
    user: UserView
    role: Role
    joined_at: Timestamp


MAX_INVITED = 1000
"""The most members a room is created with (the REST body says the same)."""


@dataclass(frozen=True, slots=True)
class GroupCreate:
    """A new room, as the Api takes it (the REST body is the route's `GroupChatCreate`);
    the domain checks the title and the number of members."""

    title: str
    member_ids: Sequence[UUID] = ()


class ChatsApi(Protocol):
    async def open_direct(self, *, user_id: UUID, partner_id: UUID) -> tuple[ChatView, bool]:
        """The direct chat of the pair, created if needed; True when it was created."""
        ...

    async def create_group(self, *, owner_id: UUID, group: GroupCreate) -> ChatView:
        """A new room owned by `owner_id`, with the listed members invited."""
        ...

    async def set_muted(self, *, user_id: UUID, chat_id: UUID, muted: bool) -> ChatView:
        """Mute or unmute a chat for oneself; unread is still counted."""
        ...

    async def get(self, *, user_id: UUID, chat_id: UUID) -> ChatView:
        """A chat as `user_id` sees it; NotFound, or Forbidden for non-members."""
        ...

    async def list_chats(
        self, *, user_id: UUID, limit: int, offset: int, unread_only: bool
    ) -> ChatList:
        """The member's chats, newest activity first."""
        ...

    async def members(self, *, user_id: UUID, chat_id: UUID) -> list[MemberView]:
        """Members of a chat the caller belongs to."""
        ...

    async def invite(self, *, actor_id: UUID, chat_id: UUID, user_id: UUID) -> MemberView:
        """Add a member to a group (any member may invite)."""
        ...

    async def remove(self, *, actor_id: UUID, chat_id: UUID, user_id: UUID) -> None:
        """Leave a group, or (owner) remove someone from it."""
        ...

    async def is_member(self, *, chat_id: UUID, user_id: UUID) -> bool:
        """Membership check (cached; hot path of every send)."""
        ...

    async def check_member(self, *, chat_id: UUID, user_id: UUID) -> None:
        """NotFound for an unknown chat, Forbidden for a non-member, else nothing."""
        ...

    async def member_ids(self, *, chat_id: UUID) -> set[UUID]:
        """Ids of the chat's members."""
        ...

    async def chat_ids_of(self, *, user_id: UUID) -> list[UUID]:
        """Ids of every chat the user belongs to."""
        ...

    async def contacts_of(self, *, user_id: UUID) -> set[UUID]:
        """Everyone who shares at least one chat with the user (not the user)."""
        ...
