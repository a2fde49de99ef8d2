"""The group-commit transaction as a plan of database steps, independent of the driver.

`append_plan` is a generator: it yields each step it needs from the database (at most three,
whatever the batch size) and receives the answer, so the rules live once and two drivers run
them: SQLAlchemy Core on SQLite (the whole batch in one hop to the writer thread) and raw
asyncpg on PostgreSQL (fixed `unnest` statements that each connection prepares once;
SQLAlchemy compiles its ON CONFLICT upserts on every call, which cost more CPU than the
rest of the transaction). See `store.py` and `store_pg.py`.
"""

from collections import defaultdict
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from hubbub.contexts.messages.api import MessageView
from hubbub.contexts.messages.events import MessagePosted
from hubbub.contexts.messages.model import Draft
from hubbub.kernel.ids import new_id

IdempotencyKey = tuple[UUID, UUID, str]
"""(chat, sender, request id)."""


@dataclass(frozen=True, slots=True)
class FindExisting:
    """Answer: the stored messages having these idempotency keys."""

    keys: list[IdempotencyKey]


@dataclass(frozen=True, slots=True)
class BumpHeads:
    """Answer: each chat's new last seq. Rows are (chat, new messages, newest message id),
    in chat id order: every process locks counter rows in the same order, so two batches
    sharing chats wait for each other instead of deadlocking."""

    rows: list[tuple[UUID, int, UUID]]


@dataclass(frozen=True, slots=True)
class WriteMessages:
    """Answer: nothing. Insert the messages, move each sender's read cursor to their newest
    message (own messages are never unread; rows in key order, as for the heads) and write
    the events to the outbox."""

    messages: list[MessageView]
    cursors: list[tuple[UUID, UUID, int]]
    events: list[MessagePosted]
    mentions: list[tuple[UUID, UUID, int]] = field(default_factory=list)
    """(chat, mentioned member, seq): empty unless a message mentions someone."""
    attachments: list[tuple[UUID, UUID]] = field(default_factory=list)
    """(file, message): uploaded files the messages carry."""


Step = FindExisting | BumpHeads | WriteMessages
Results = list[tuple[MessageView, bool]]
"""Per draft, in order: the stored message and whether this batch created it."""
AppendPlan = Generator[Step, Any, Results]


def append_plan(drafts: list[Draft], now: datetime) -> AppendPlan:
    """Store `drafts` (a retry of a stored request id gets the original back)."""
    existing: dict[IdempotencyKey, MessageView | None] = {}
    keys = sorted({d.idempotency_key for d in drafts if d.idempotency_key is not None})
    if keys:
        found: list[MessageView] = yield FindExisting(keys)
        existing = {(v.chat_id, v.sender_id, v.request_id or ""): v for v in found}
    # Drafts that are new, each idempotency key once (a retry racing its original inside
    # one batch gets the original's result).
    fresh: list[Draft] = []
    for draft in drafts:
        key = draft.idempotency_key
        if key is None or key not in existing:
            fresh.append(draft)
            if key is not None:
                existing[key] = None  # claimed by this batch
    by_chat: dict[UUID, list[Draft]] = defaultdict(list)
    for draft in fresh:
        by_chat[draft.chat_id].append(draft)
    ids = {chat_id: [new_id() for _ in group] for chat_id, group in by_chat.items()}
    written: dict[int, MessageView] = {}
    mentions: list[tuple[UUID, UUID, int]] = []
    attachments: list[tuple[UUID, UUID]] = []
    if ids:
        heads = [(chat_id, len(ids[chat_id]), ids[chat_id][-1]) for chat_id in sorted(ids)]
        last_seqs: dict[UUID, int] = yield BumpHeads(heads)
        for chat_id, group in by_chat.items():
            first = last_seqs[chat_id] - len(group) + 1
            for offset, (draft, message_id) in enumerate(zip(group, ids[chat_id], strict=True)):
                written[id(draft)] = MessageView(
                    id=message_id,
                    chat_id=chat_id,
                    seq=first + offset,
                    sender_id=draft.sender_id,
                    text=draft.text,
                    created_at=now,
                    ai_generated=draft.ai_generated,
                    request_id=draft.request_id,
                ).replying_to(draft.reply_to)
                mentions.extend((chat_id, user, first + offset) for user in draft.mentions)
                attachments.extend((file_id, message_id) for file_id in draft.file_ids)
    views = list(written.values())
    if views:
        newest: dict[tuple[UUID, UUID], int] = {}
        for v in views:
            newest[v.chat_id, v.sender_id] = max(newest.get((v.chat_id, v.sender_id), 0), v.seq)
        cursors = [(chat, sender, newest[chat, sender]) for chat, sender in sorted(newest)]
        yield WriteMessages(
            views, cursors, [MessagePosted.of(v) for v in views], mentions, attachments
        )
    by_key = {(v.chat_id, v.sender_id, v.request_id): v for v in views if v.request_id is not None}
    results: Results = []
    for draft in drafts:
        if id(draft) in written:
            results.append((written.pop(id(draft)), True))
            continue
        key = draft.idempotency_key
        assert key is not None
        original = existing.get(key) or by_key[key]
        results.append((original, False))
    return results


def run_plan(plan: AppendPlan, answer: Callable[[Step], Any]) -> Results:
    """Drive `plan` with a synchronous driver."""
    try:
        step = next(plan)
        while True:
            step = plan.send(answer(step))
    except StopIteration as done:
        result: Results = done.value
        return result


async def run_plan_async(plan: AppendPlan, answer: Callable[[Step], Awaitable[Any]]) -> Results:
    """Drive `plan` with an asynchronous driver."""
    try:
        step = next(plan)
        while True:
            step = plan.send(await answer(step))
    except StopIteration as done:
        result: Results = done.value
        return result
