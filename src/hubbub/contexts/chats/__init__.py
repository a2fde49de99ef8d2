"""chats: direct chats, group rooms, members and roles."""

from hubbub.contexts.chats.api import (
    ChatList,
    ChatsApi,
    ChatView,
    GroupCreate,
    MemberView,
    PartnerView,
)
from hubbub.contexts.chats.events import MemberInvited

__all__ = [
    "ChatList",
    "ChatView",
    "ChatsApi",
    "GroupCreate",
    "MemberInvited",
    "MemberView",
    "PartnerView",
]
