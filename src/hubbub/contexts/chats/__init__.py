"""chats: direct chats, group rooms, members and roles."""

from hubbub.contexts.chats.api import (
    ChatList,
    ChatsApi,
    ChatView,
    GroupCreate,
    MemberView,
    PartnerView,
)
from hubbub.contexts.chats.events import (
    MEMBERSHIP_TOPICS,
    ChatCreated,
    MemberInvited,
    MemberJoined,
    MemberLeft,
)

__all__ = [
    "MEMBERSHIP_TOPICS",
    "ChatCreated",
    "ChatList",
    "ChatView",
    "ChatsApi",
    "GroupCreate",
    "MemberInvited",
    "MemberJoined",
    "MemberLeft",
    "MemberView",
    "PartnerView",
]
