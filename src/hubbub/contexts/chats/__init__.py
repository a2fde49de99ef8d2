"""chats: direct chats, group rooms, members and roles."""

from hubbub.contexts.chats.api import (
    ChatList,
    ChatsApi,
    ChatView,
    GroupCreate,
    MemberView,
    PartnerView,
)

__all__ = ["ChatList", "ChatView", "ChatsApi", "GroupCreate", "MemberView", "PartnerView"]
