"""messages: messages, per-chat seq, idempotency, history and read cursors."""

from hubbub.contexts.messages.api import (
    ChatActivity,
    FileView,
    MessageBrief,
    MessagePage,
    MessagesApi,
    MessageView,
    PostResult,
    ReactionCount,
    ReplyPreview,
    SearchHit,
    SearchPage,
)
from hubbub.contexts.messages.events import MessageChanged, MessagePosted

__all__ = [
    "ChatActivity",
    "FileView",
    "MessageBrief",
    "MessageChanged",
    "MessagePage",
    "MessagePosted",
    "MessageView",
    "MessagesApi",
    "PostResult",
    "ReactionCount",
    "ReplyPreview",
    "SearchHit",
    "SearchPage",
]
