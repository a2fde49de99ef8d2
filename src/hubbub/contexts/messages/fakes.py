"""In-memory messages ports for unit tests (the integration suite runs the same store tests
over this fake and SqlMessageStore, so the two cannot drift)."""

from collections import defaultdict
from datetime import datetime
from uuid import UUID

from hubbub.contexts.messages.api import ChatActivity, MessageBrief, MessageView
from hubbub.contexts.messages.events import MessagePosted
from hubbub.contexts.messages.model import Draft
from hubbub.kernel.errors import Forbidden, NotFound
from hubbub.kernel.ids import new_id


class InMemoryMessageStore:
    """MessageStore on dicts: gapless per-chat seq, idempotency, sender cursors, keyset pages.

    `outbox` collects the events SqlMessageStore would write to its outbox table;
    `batch_sizes` records how many drafts each `append` call (one transaction) received.
    """

    def __init__(self) -> None:
        self.chats: dict[UUID, list[MessageView]] = defaultdict(list)  # ascending seq
        self.cursors: dict[tuple[UUID, UUID], int] = {}  # (chat, user) -> last read seq
        self.outbox: list[MessagePosted] = []
        self.batch_sizes: list[int] = []
        self._by_key: dict[tuple[UUID, UUID, str], MessageView] = {}

    async def append(self, drafts: list[Draft], now: datetime) -> list[tuple[MessageView, bool]]:
        self.batch_sizes.append(len(drafts))
        results: list[tuple[MessageView, bool]] = []
        for draft in drafts:
            key = draft.idempotency_key
            original = self._by_key.get(key) if key is not None else None
            if original is not None:
                results.append((original, False))
                continue
            view = self._write(draft, now)
            if key is not None:
                self._by_key[key] = view
            results.append((view, True))
        return results

    async def get(self, chat_id: UUID, message_id: UUID) -> MessageView | None:
        return next((m for m in self.chats.get(chat_id, ()) if m.id == message_id), None)

    async def page(
        self, chat_id: UUID, *, below_seq: int | None, above_seq: int | None, limit: int
    ) -> list[MessageView]:
        stored = self.chats.get(chat_id, [])
        if above_seq is not None:
            return [m for m in stored if m.seq > above_seq][:limit]
        if below_seq is not None:
            stored = [m for m in stored if m.seq < below_seq]
        return stored[-limit:] if limit > 0 else []

    async def last_seq(self, chat_id: UUID) -> int:
        return len(self.chats.get(chat_id, ()))

    async def activity(self, user_id: UUID, chat_ids: list[UUID]) -> dict[UUID, ChatActivity]:
        found: dict[UUID, ChatActivity] = {}
        for chat_id in chat_ids:
            stored = self.chats.get(chat_id)
            if not stored:
                continue  # like the SQL store: no head row before the first message
            last = stored[-1]
            found[chat_id] = ChatActivity(
                last_seq=last.seq,
                last_read_seq=self.cursors.get((chat_id, user_id), 0),
                last_message=MessageBrief.model_validate(last.model_dump()),
                others_read_seq=max(
                    (seq for (c, u), seq in self.cursors.items() if c == chat_id and u != user_id),
                    default=0,
                ),
            )
        return found

    async def advance_cursor(self, chat_id: UUID, user_id: UUID, seq: int) -> tuple[int, bool]:
        before = self.cursors.get((chat_id, user_id))
        if before is not None and before >= seq:
            return before, False
        self.cursors[(chat_id, user_id)] = seq
        return seq, seq != (before or 0)

    async def delete_cursors(self, user_id: UUID) -> None:
        self.cursors = {key: seq for key, seq in self.cursors.items() if key[1] != user_id}

    def _write(self, draft: Draft, now: datetime) -> MessageView:
        stored = self.chats[draft.chat_id]
        view = MessageView(
            id=new_id(),
            chat_id=draft.chat_id,
            seq=len(stored) + 1,
            sender_id=draft.sender_id,
            text=draft.text,
            created_at=now,
            ai_generated=draft.ai_generated,
            request_id=draft.request_id,
        )
        stored.append(view)
        # Own messages are never unread.
        cursor_key = (draft.chat_id, draft.sender_id)
        self.cursors[cursor_key] = max(self.cursors.get(cursor_key, 0), view.seq)
        self.outbox.append(MessagePosted.of(view))
        return view


class StaticMembership:
    """Membership answered from a dict the test fills: chat id -> member ids."""

    def __init__(self, chats: dict[UUID, set[UUID]] | None = None) -> None:
        self.chats = chats if chats is not None else {}

    async def check_member(self, *, chat_id: UUID, user_id: UUID) -> None:
        members = self.chats.get(chat_id)
        if members is None:
            raise NotFound("chat not found", code="chat_not_found")
        if user_id not in members:
            raise Forbidden("you are not a member of this chat", code="not_a_member")
