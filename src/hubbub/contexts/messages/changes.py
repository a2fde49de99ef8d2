"""Changes to existing messages: edit, delete for everyone, reactions; and their replay.

One mechanism for every kind of change (README, "Changes to messages"): the store applies it
in one transaction with its outbox event (`chat.message.updated`) and stamps the message with
the chat's change number; after commit every connection of every member gets one
`message_updated` frame; `sync` replays the same frames from a seq. Unread counts are never
touched: only sends move the chat's seq.
"""

from uuid import UUID

import structlog

from hubbub.contexts.messages import model
from hubbub.contexts.messages.api import MessageView
from hubbub.contexts.messages.files import ChatFiles
from hubbub.contexts.messages.ports import Change, ChangeKind, ChangeStore, Membership, MessageStore
from hubbub.contexts.messages.store_reads import for_reader
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import Conflict, Forbidden, NotFound
from hubbub.kernel.frames import MessageUpdated, UpdateKind
from hubbub.kernel.ports import LiveEvents

log = structlog.get_logger(__name__)

UPDATE_FRAME_KINDS: dict[ChangeKind, UpdateKind] = {
    "edited": "edited",
    "deleted": "deleted",
    "reacted": "reactions",
    "unreacted": "reactions",
}


class MessageChanges:
    def __init__(
        self,
        *,
        messages: MessageStore,
        changes: ChangeStore,
        membership: Membership,
        live: LiveEvents,
        clock: Clock,
        edit_window_seconds: float,
        files: ChatFiles | None = None,
    ) -> None:
        self._files = files
        self._messages = messages
        self._changes = changes
        self._membership = membership
        self._live = live
        self._clock = clock
        self._edit_window = edit_window_seconds

    async def edit(
        self, *, user_id: UUID, chat_id: UUID, message_id: UUID, text: str
    ) -> MessageView:
        """Replace the text of one's own message, within the edit window."""
        text = model.check_text(text)
        original = await self._existing(user_id, chat_id, message_id)
        if original.sender_id != user_id:
            raise Forbidden("you can only edit your own messages", code="not_your_message")
        if not model.within_edit_window(original.created_at, self._clock.now(), self._edit_window):
            raise Forbidden("the message is too old to edit", code="edit_window_expired")
        change = Change("edited", chat_id, message_id, user_id, text=text)
        return await self._apply(change, user_id)

    async def delete(self, *, user_id: UUID, chat_id: UUID, message_id: UUID) -> None:
        """Delete for everyone: one's own message, or any message of a room one owns."""
        original = await self._existing(user_id, chat_id, message_id)
        if original.sender_id != user_id:
            owner = await self._membership.room_owner(chat_id=chat_id)
            if owner != user_id:
                raise Forbidden(
                    "you can only delete your own messages (or any, as the room's owner)",
                    code="not_your_message",
                )
        await self._apply(Change("deleted", chat_id, message_id, user_id), user_id)

    async def react(
        self, *, user_id: UUID, chat_id: UUID, message_id: UUID, emoji: str, on: bool
    ) -> MessageView:
        """Add (`on`) or take back one's reaction; doing it twice changes nothing."""
        emoji = model.check_emoji(emoji)
        await self._existing(user_id, chat_id, message_id)
        kind: ChangeKind = "reacted" if on else "unreacted"
        return await self._apply(Change(kind, chat_id, message_id, user_id, emoji=emoji), user_id)

    async def changed_since(
        self, *, user_id: UUID, chat_id: UUID, seq: int, after_change: int | None, limit: int
    ) -> list[tuple[int, MessageView]]:
        """What `sync` replays after the new messages (see the module docstring)."""
        await self._membership.check_member(chat_id=chat_id, user_id=user_id)
        found = await self._changes.changed_since(
            chat_id, seq=seq, after_change=after_change, limit=limit
        )
        return [(number, for_reader(view, user_id)) for number, view in found]

    async def _existing(self, user_id: UUID, chat_id: UUID, message_id: UUID) -> MessageView:
        await self._membership.check_member(chat_id=chat_id, user_id=user_id)
        found = await self._messages.get(chat_id, message_id)
        if found is None:
            raise NotFound("no such message in this chat", code="message_not_found")
        if found.deleted:
            raise Conflict("the message was deleted", code="message_deleted")
        return found

    async def _apply(self, change: Change, reader: UUID) -> MessageView:
        outcome = await self._changes.apply(change, self._clock.now())
        if outcome.forgotten_blobs and self._files is not None:
            try:
                await self._files.forget(outcome.forgotten_blobs)
            except Exception:
                # The rows are gone, so nobody can reach these bytes; log for a sweep.
                log.exception("file_blob_delete_failed", blobs=len(outcome.forgotten_blobs))
        if outcome.change_seq is not None:
            frame = MessageUpdated[MessageView](
                change=UPDATE_FRAME_KINDS[change.kind],
                change_id=outcome.change_seq,
                actor_id=change.actor_id,
                message=outcome.message,
            )
            try:
                await self._live.to_chat(change.chat_id, frame.dump())
            except Exception:
                # Committed is committed: clients get it with `sync`.
                log.exception("fanout_failed", chat_id=str(change.chat_id))
        return for_reader(outcome.message, reader)
