"""In-memory messages ports for unit tests (the integration suite runs the same store tests
over this fake and SqlMessageStore, so the two cannot drift)."""

from collections import defaultdict
from datetime import datetime
from uuid import UUID

from hubbub.contexts.messages.api import ChatActivity, MessageBrief, MessageView, ReactionCount
from hubbub.contexts.messages.events import MessageChanged, MessagePosted
from hubbub.contexts.messages.membership import ChatRow
from hubbub.contexts.messages.model import Draft
from hubbub.contexts.messages.ports import Change, ChangeOutcome
from hubbub.contexts.messages.store_reads import preview_of
from hubbub.kernel.errors import Conflict, Forbidden, NotFound
from hubbub.kernel.ids import new_id


class InMemoryMessageStore:
    """MessageStore and ChangeStore on dicts: gapless per-chat seq, idempotency, sender
    cursors, keyset pages; edits, tombstones, reactions and their replay stamps.

    `outbox` collects the events SqlMessageStore would write to its outbox table;
    `batch_sizes` records how many drafts each `append` call (one transaction) received.
    """

    def __init__(self) -> None:
        self.chats: dict[UUID, list[MessageView]] = defaultdict(list)  # ascending seq
        self.cursors: dict[tuple[UUID, UUID], int] = {}  # (chat, user) -> last read seq
        self.outbox: list[MessagePosted] = []
        self.batch_sizes: list[int] = []
        self.mentions: list[tuple[UUID, UUID, int]] = []  # (chat, member, seq)
        self._by_key: dict[tuple[UUID, UUID, str], MessageView] = {}
        # Changes to existing messages (the ChangeStore half).
        self.changes: list[MessageChanged] = []
        self._last_change: dict[UUID, int] = defaultdict(int)
        self._stamps: dict[UUID, tuple[int, int]] = {}  # message -> (change, last seq then)
        self._reactions: dict[UUID, list[tuple[str, UUID]]] = defaultdict(list)

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
        found = next((m for m in self.chats.get(chat_id, ()) if m.id == message_id), None)
        return self._decorated(found) if found is not None else None

    async def get_many(self, message_ids: list[UUID]) -> list[MessageView]:
        wanted = set(message_ids)
        return [self._decorated(m) for ms in self.chats.values() for m in ms if m.id in wanted]

    async def apply(self, change: Change, now: datetime) -> ChangeOutcome:
        stored = self.chats.get(change.chat_id, [])
        index = next((i for i, m in enumerate(stored) if m.id == change.message_id), None)
        if index is None:
            raise NotFound("no such message in this chat", code="message_not_found")
        message = stored[index]
        if message.deleted:
            raise Conflict("the message was deleted", code="message_deleted")
        mine = (change.emoji or "", change.actor_id)
        taken = self._reactions[message.id]
        if (change.kind == "reacted" and mine in taken) or (
            change.kind == "unreacted" and mine not in taken
        ):
            return ChangeOutcome(message=self._decorated(message), change_seq=None)
        if change.kind == "edited":
            message = message.model_copy(update={"text": change.text, "edited_at": now})
        elif change.kind == "deleted":
            message = message.model_copy(update={"text": "", "deleted": True})
            self._reactions.pop(message.id, None)
        elif change.kind == "reacted":
            taken.append(mine)
        else:
            taken.remove(mine)
        stored[index] = message
        self._last_change[change.chat_id] += 1
        number = self._last_change[change.chat_id]
        self._stamps[message.id] = (number, len(stored))
        self.changes.append(
            MessageChanged(
                message_id=message.id,
                chat_id=message.chat_id,
                seq=message.seq,
                sender_id=message.sender_id,
                change=change.kind,
                change_seq=number,
                actor_id=change.actor_id,
                text=message.text,
                deleted=message.deleted,
                changed_at=now,
            )
        )
        return ChangeOutcome(message=self._decorated(message), change_seq=number)

    async def changed_since(
        self, chat_id: UUID, *, seq: int, after_change: int | None, limit: int
    ) -> list[tuple[int, MessageView]]:
        found = [
            (self._stamps[m.id][0], self._decorated(m))
            for m in self.chats.get(chat_id, ())
            if m.id in self._stamps
            and m.seq <= seq
            and self._stamps[m.id][1] >= seq
            and (after_change is None or self._stamps[m.id][0] > after_change)
        ]
        return sorted(found, key=lambda pair: pair[0])[:limit]

    def _decorated(self, message: MessageView) -> MessageView:
        by_emoji: dict[str, list[UUID]] = {}
        for emoji, user in self._reactions.get(message.id, ()):
            by_emoji.setdefault(emoji, []).append(user)
        reactions = [
            ReactionCount(emoji=e, count=len(users), me=False, user_ids=users)
            for e, users in by_emoji.items()
        ]
        extras: dict[str, object] = {"reactions": reactions}
        target = message.reply_to_id
        if target is not None:
            original = next((m for m in self.chats[message.chat_id] if m.id == target), None)
            if original is not None:
                extras["reply_to"] = preview_of(original)
        return message.model_copy(update=extras)

    async def page(
        self, chat_id: UUID, *, below_seq: int | None, above_seq: int | None, limit: int
    ) -> list[MessageView]:
        stored = self.chats.get(chat_id, [])
        if above_seq is not None:
            return [self._decorated(m) for m in stored if m.seq > above_seq][:limit]
        if below_seq is not None:
            stored = [m for m in stored if m.seq < below_seq]
        return [self._decorated(m) for m in stored[-limit:]] if limit > 0 else []

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
                mention_count=sum(
                    1
                    for c, u, seq in self.mentions
                    if c == chat_id and u == user_id and seq > self.cursors.get((c, u), 0)
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
        ).replying_to(draft.reply_to)
        stored.append(view)
        self.mentions.extend((draft.chat_id, user, view.seq) for user in draft.mentions)
        # Own messages are never unread.
        cursor_key = (draft.chat_id, draft.sender_id)
        self.cursors[cursor_key] = max(self.cursors.get(cursor_key, 0), view.seq)
        self.outbox.append(MessagePosted.of(view))
        return view


class StaticMembership:
    """Membership answered from a dict the test fills: chat id -> member ids."""

    def __init__(
        self,
        chats: dict[UUID, set[UUID]] | None = None,
        owners: dict[UUID, UUID] | None = None,
    ) -> None:
        self.chats = chats if chats is not None else {}
        self.owners = owners if owners is not None else {}  # rooms only

    async def room_owner(self, *, chat_id: UUID) -> UUID | None:
        return self.owners.get(chat_id)

    async def check_member(self, *, chat_id: UUID, user_id: UUID) -> None:
        members = self.chats.get(chat_id)
        if members is None:
            raise NotFound("chat not found", code="chat_not_found")
        if user_id not in members:
            raise Forbidden("you are not a member of this chat", code="not_a_member")

    async def member_ids(self, *, chat_id: UUID) -> set[UUID]:
        return set(self.chats.get(chat_id, ()))

    async def chat_ids_of(self, *, user_id: UUID) -> list[UUID]:
        return [chat for chat, members in self.chats.items() if user_id in members]


class StaticDirectory:
    """UserDirectory answered from a dict the test fills: username -> id."""

    def __init__(self, users: dict[str, UUID] | None = None) -> None:
        self.users = users if users is not None else {}

    async def ids_of(self, usernames: set[str]) -> dict[str, UUID]:
        return {name: self.users[name] for name in usernames if name in self.users}


class InMemoryMembershipStore:
    """MembershipStore in dicts, with the SQL store's newest-version-wins rule."""

    def __init__(self) -> None:
        self.chats: dict[UUID, tuple[ChatRow, str]] = {}
        self.members: dict[tuple[UUID, UUID], tuple[bool, str]] = {}

    async def put_chat(self, chat: ChatRow, version: str) -> None:
        found = self.chats.get(chat.chat_id)
        if found is None or found[1] < version:
            self.chats[chat.chat_id] = (chat, version)

    async def set_owner(self, chat_id: UUID, owner_id: UUID, version: str) -> None:
        found = self.chats.get(chat_id)
        if found is not None and found[1] < version:
            row = found[0]
            self.chats[chat_id] = (ChatRow(row.chat_id, row.type, owner_id), version)

    async def put_member(self, chat_id: UUID, user_id: UUID, active: bool, version: str) -> None:
        found = self.members.get((chat_id, user_id))
        if found is None or found[1] < version:
            self.members[(chat_id, user_id)] = (active, version)

    async def chat(self, chat_id: UUID) -> ChatRow | None:
        found = self.chats.get(chat_id)
        return found[0] if found is not None else None

    async def is_member(self, chat_id: UUID, user_id: UUID) -> bool:
        return self.members.get((chat_id, user_id), (False, ""))[0]

    async def member_ids(self, chat_id: UUID) -> set[UUID]:
        return {u for (c, u), (active, _) in self.members.items() if c == chat_id and active}

    async def chat_ids_of(self, user_id: UUID) -> list[UUID]:
        return [c for (c, u), (active, _) in self.members.items() if u == user_id and active]
