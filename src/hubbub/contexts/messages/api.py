"""The messages port."""

from typing import Protocol
from uuid import UUID

from pydantic import BaseModel, Field, PrivateAttr

from hubbub.kernel.clock import Timestamp


class ReplyPreview(BaseModel):
    """What a reply shows of the message it answers."""

    id: UUID
    sender_id: UUID
    text_preview: str = Field(description="The start of the original's text; empty if deleted")
    deleted: bool


class ReactionCount(BaseModel):
    emoji: str
    count: int
    me: bool = Field(description="The reader reacted with this emoji (false in live frames)")
    user_ids: list[UUID] = Field(description="Who reacted, in the order they did")


class FileView(BaseModel):
    """A file shared in a chat; `url`/`thumbnail_url` are signed and expire."""

    id: UUID
    chat_id: UUID
    message_id: UUID | None
    uploader_id: UUID
    name: str
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None
    url: str
    thumbnail_url: str | None
    created_at: Timestamp


class MessageView(BaseModel):
    id: UUID
    chat_id: UUID
    seq: int
    sender_id: UUID
    text: str
    created_at: Timestamp
    edited_at: Timestamp | None = None
    ai_generated: bool = False
    request_id: str | None = None
    deleted: bool = False
    reply_to: ReplyPreview | None = None
    reactions: list[ReactionCount] = Field(default_factory=list)
    files: list[FileView] = Field(default_factory=list)
    # The id of the message this one answers, as stored (the preview above is built from it
    # when the message is read); not part of the contract.
    _reply_to_id: UUID | None = PrivateAttr(default=None)

    @property
    def reply_to_id(self) -> UUID | None:
        return self._reply_to_id

    def replying_to(self, message_id: UUID | None) -> "MessageView":
        """This view, recording the id of the message it answers."""
        self._reply_to_id = message_id
        return self


class MessageBrief(BaseModel):
    """The last message of a chat, as chat lists show it."""

    id: UUID
    seq: int
    sender_id: UUID
    text: str
    created_at: Timestamp
    ai_generated: bool
    deleted: bool = False


class MessagePage(BaseModel):
    messages: list[MessageView]
    has_previous: bool
    has_next: bool


class ChatActivity(BaseModel):
    """Where one member stands in one chat."""

    last_seq: int
    last_read_seq: int
    last_message: MessageBrief | None
    others_read_seq: int = 0  # the furthest any other member has read (read receipts)
    mention_count: int = 0  # unread messages that mention the member by @username


class PostResult(BaseModel):
    message: MessageView
    created: bool  # False when a retry returned the original


class FilePage(BaseModel):
    files: list[FileView]
    has_more: bool


class Download(BaseModel):
    """The bytes behind a signed file link."""

    name: str
    content_type: str
    data: bytes


class SearchHit(BaseModel):
    message: MessageView
    highlight: str = Field(
        description="A snippet of the text, HTML-escaped, matching words in <mark>…</mark>"
    )


class SearchPage(BaseModel):
    results: list[SearchHit]
    next: str | None = Field(description="Pass as `before` for the next page; null at the end")


class MessagesApi(Protocol):
    async def post(
        self,
        *,
        sender_id: UUID,
        chat_id: UUID,
        text: str,
        request_id: str | None,
        origin: str | None = None,
        ai_generated: bool = False,
        reply_to: UUID | None = None,
        file_ids: tuple[UUID, ...] = (),
    ) -> PostResult:
        """Store a message (or return the original for a repeated request_id) and fan it out.

        `origin` names the sending connection, which gets `message_sent` instead of
        `new_message`. `reply_to` must be a message of the same chat; `file_ids` the
        sender's own uploads to the chat, not sent yet (then the text may be empty).
        """
        ...

    async def upload_file(
        self, *, user_id: UUID, chat_id: UUID, name: str, declared_type: str | None, data: bytes
    ) -> FileView:
        """Store a file for a message of the uploader in this chat."""
        ...

    async def chat_files(
        self, *, user_id: UUID, chat_id: UUID, limit: int, before_id: UUID | None
    ) -> FilePage:
        """Files of the chat's messages, newest first."""
        ...

    async def download(
        self, *, file_id: UUID, variant: str, expires: int, signature: str
    ) -> Download:
        """The file (or thumbnail) behind a signed link."""
        ...

    async def edit(
        self, *, user_id: UUID, chat_id: UUID, message_id: UUID, text: str
    ) -> MessageView:
        """Replace the text of one's own message within the edit window."""
        ...

    async def delete(self, *, user_id: UUID, chat_id: UUID, message_id: UUID) -> None:
        """Delete a message for everyone (one's own, or any as the room's owner)."""
        ...

    async def react(
        self, *, user_id: UUID, chat_id: UUID, message_id: UUID, emoji: str, on: bool
    ) -> MessageView:
        """Add (`on`) or remove one's reaction with a single emoji."""
        ...

    async def search(
        self,
        *,
        user_id: UUID,
        query: str,
        chat_id: UUID | None,
        sender_id: UUID | None,
        limit: int,
        before: str | None,
    ) -> SearchPage:
        """Ranked full-text search over the chats the user is a member of."""
        ...

    async def changed_since(
        self, *, user_id: UUID, chat_id: UUID, seq: int, after_change: int | None, limit: int
    ) -> list[tuple[int, MessageView]]:
        """Messages up to `seq` changed after message `seq` was sent, oldest change first,
        with their change numbers (what `sync` replays as `message_updated`)."""
        ...

    async def history(
        self,
        *,
        user_id: UUID,
        chat_id: UUID,
        limit: int,
        before_id: UUID | None = None,
        after_id: UUID | None = None,
        after_seq: int | None = None,
    ) -> MessagePage:
        """One keyset page, ascending by seq."""
        ...

    async def mark_read(self, *, user_id: UUID, chat_id: UUID, seq: int) -> int:
        """Advance the member's read cursor to `seq` (never back); returns the cursor."""
        ...

    async def activity(self, *, user_id: UUID, chat_ids: list[UUID]) -> dict[UUID, ChatActivity]:
        """last_seq / last_read_seq / last message of each chat, for one member."""
        ...

    async def catch_up(self, *, user_id: UUID, chat_id: UUID) -> None:
        """Set the member's cursor to the chat's last seq (for new members)."""
        ...
