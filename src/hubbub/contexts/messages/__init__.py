"""messages: messages, per-chat seq, idempotency, history and read cursors."""

from hubbub.contexts.messages.api import (
    ChatActivity,
    MessageBrief,
    MessagePage,
    MessagesApi,
    MessageView,
    PostResult,
)
from hubbub.contexts.messages.events import MessagePosted

__all__ = [
    "ChatActivity",
    "MessageBrief",
    "MessagePage",
    "MessagePosted",
    "MessageView",
    "MessagesApi",
    "PostResult",
]
