"""The WebSocket contract's server frames, typed (issue 12).

Every frame a client receives is one of these models; whoever publishes one (messages,
chats, the assistant, the gateway) builds the model and sends `frame.dump()`, so no frame
is a dict literal any more and a frame's shape is checked where it is written. The
realtime context's public face re-exports them. They live in the kernel, next to the
`LiveEvents` port they travel through, because the contexts that publish them are the ones
the gateway calls: importing realtime from them would make a cycle.

A frame that carries a message or a chat (`new_message`, `message_updated`, `chat_invite`,
`chat_created`) is generic in it: `NewMessage[MessageView](message=view)`; the contexts own
those objects' shape (docs/API.md). Fields listed in `OMIT_WHEN_NONE` are left out of the
frame when None (the contract marks them `?`); every other field is always there.
"""

from typing import Any, ClassVar, Generic, Literal, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from hubbub.kernel.clock import Timestamp

Payload = TypeVar("Payload", bound=BaseModel)

UpdateKind = Literal["edited", "deleted", "reactions", "sync"]
"""What a `message_updated` says happened (`sync`: replayed as it is now)."""


class Frame(BaseModel):
    """A server → client frame."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    OMIT_WHEN_NONE: ClassVar[frozenset[str]] = frozenset()

    def dump(self) -> dict[str, Any]:
        """The frame as the client receives it (JSON-ready)."""
        if type(self).__pydantic_generic_metadata__["parameters"]:
            # Unparametrized, the payload would serialise as a bare BaseModel (nothing).
            raise TypeError(f"{type(self).__name__}[...]: name the payload's type")
        data = self.model_dump(mode="json")
        for name in self.OMIT_WHEN_NONE:
            if data.get(name) is None:
                data.pop(name, None)
        return data


class MessageSent(Frame):
    """To the sending connection, once the message is durably stored."""

    type: Literal["message_sent"] = "message_sent"
    request_id: str
    chat_id: UUID
    message_id: UUID
    seq: int
    created_at: Timestamp
    status: Literal["delivered"] = "delivered"


class NewMessage(Frame, Generic[Payload]):
    """A stored message, to the members' connections (not the sending one); also replayed
    by `sync`."""

    type: Literal["new_message"] = "new_message"
    message: Payload


class MessageUpdated(Frame, Generic[Payload]):
    """A message edited, deleted or reacted to (`actor_id`), or replayed by `sync`
    (`change` "sync" or "deleted", no actor)."""

    OMIT_WHEN_NONE = frozenset({"actor_id"})

    type: Literal["message_updated"] = "message_updated"
    change: UpdateKind
    change_id: int
    actor_id: UUID | None = None
    message: Payload


class SyncTruncated(Frame):
    """`sync` stopped at 500 for this chat."""

    type: Literal["sync_truncated"] = "sync_truncated"
    chat_id: UUID


class Read(Frame):
    """A member's read cursor moved, to the other members."""

    type: Literal["read"] = "read"
    chat_id: UUID
    user_id: UUID
    seq: int


class Typing(Frame):
    type: Literal["typing"] = "typing"
    chat_id: UUID
    user_id: UUID
    is_typing: bool


class Presence(Frame):
    """To the users who share a chat with `user_id`."""

    type: Literal["presence"] = "presence"
    event: Literal["user_online", "user_offline"]
    user_id: UUID
    timestamp: Timestamp


class ChatCreated(Frame, Generic[Payload]):
    """A new direct chat, to the partner."""

    type: Literal["chat_created"] = "chat_created"
    chat: Payload


class ChatInvite(Frame, Generic[Payload]):
    """To a user added to a room."""

    type: Literal["chat_invite"] = "chat_invite"
    chat: Payload


class MemberJoined(Frame):
    type: Literal["member_joined"] = "member_joined"
    chat_id: UUID
    user_id: UUID


class MemberLeft(Frame):
    """To the room's members, and to the member who left or was removed."""

    type: Literal["member_left"] = "member_left"
    chat_id: UUID
    user_id: UUID


class AiAdvice(Frame):
    """Only to the owner of the advice binding."""

    type: Literal["ai_advice"] = "ai_advice"
    chat_id: UUID
    advice_id: UUID
    text: str
    suggested_reply: str | None
    in_reply_to: UUID | None
    created_at: Timestamp
    kind: Literal["advice", "notice", "warning"]


class Error(Frame):
    """A frame refused (nothing changed), or the assistant's trouble with a chat
    (`chat_id`, and `retry_after` seconds for `ai_rate_limited`)."""

    OMIT_WHEN_NONE = frozenset({"request_id", "chat_id", "retry_after"})

    type: Literal["error"] = "error"
    code: str
    message: str
    request_id: str | None = None
    chat_id: UUID | None = None
    retry_after: int | None = None


class FrameMood(BaseModel):
    """A diary entry's mood as the contract shows it (the entry's `mood`)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    valence: float
    emotions: dict[str, float]
    label: str
    model: str


class DiaryMood(Frame):
    """Only to the author's own connections, when a diary entry's mood has been read."""

    type: Literal["diary_mood"] = "diary_mood"
    entry_id: UUID
    mood: FrameMood


class Pong(Frame):
    type: Literal["pong"] = "pong"


SERVER_FRAMES: tuple[type[Frame], ...] = (
    MessageSent,
    NewMessage,
    MessageUpdated,
    SyncTruncated,
    Read,
    Typing,
    Presence,
    ChatCreated,
    ChatInvite,
    MemberJoined,
    MemberLeft,
    AiAdvice,
    Error,
    DiaryMood,
    Pong,
)
"""Every frame the server sends (docs/API.md "Server → client frames")."""
