"""The ChangeStore contract (edits, tombstones, reactions, their replay stamps), run over the
in-memory fake, SQLite and PostgreSQL."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import pytest
from integration_db import ENGINES, database_url, open_database
from sqlalchemy import select, text

from hubbub.contexts.messages.fakes import InMemoryMessageStore
from hubbub.contexts.messages.model import Draft
from hubbub.contexts.messages.ports import Change, ChangeStore, MessageStore
from hubbub.contexts.messages.store import SqlMessageStore, heads
from hubbub.contexts.messages.store_changes import SqlChangeStore
from hubbub.infra.db import Database
from hubbub.infra.db.outbox import outbox
from hubbub.kernel.errors import Conflict, NotFound
from hubbub.kernel.ids import new_id

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
ALICE, BOB = new_id(), new_id()
CHAT, OTHER = new_id(), new_id()


@dataclass
class Stores:
    messages: MessageStore
    changes: ChangeStore
    db: Database | None


@pytest.fixture(params=[pytest.param("memory"), *ENGINES])
def store_url(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "memory" else database_url(request.param, request)


@pytest.fixture
async def stores(store_url: str | None) -> AsyncIterator[Stores]:
    if store_url is None:
        fake = InMemoryMessageStore()
        yield Stores(fake, fake, None)
        return
    async with open_database(store_url) as db:
        yield Stores(SqlMessageStore(db), SqlChangeStore(db), db)


async def send(stores: Stores, *texts: str, reply_to: UUID | None = None) -> list[UUID]:
    drafts = [Draft(CHAT, ALICE, t, None, ai_generated=False, reply_to=reply_to) for t in texts]
    return [view.id for view, _ in await stores.messages.append(drafts, NOW)]


async def test_an_edit_replaces_the_text_and_stamps_edited_at(stores: Stores) -> None:
    [first] = await send(stores, "helo")

    outcome = await stores.changes.apply(Change("edited", CHAT, first, ALICE, text="hello"), NOW)

    assert outcome.change_seq == 1
    assert (outcome.message.text, outcome.message.edited_at) == ("hello", NOW)
    stored = await stores.messages.get(CHAT, first)
    assert stored is not None and stored.text == "hello" and stored.seq == 1


async def test_a_delete_leaves_a_tombstone_with_its_seq_and_no_text(stores: Stores) -> None:
    first, _ = await send(stores, "secret words", "after")
    await stores.changes.apply(Change("reacted", CHAT, first, BOB, emoji="👍"), NOW)

    outcome = await stores.changes.apply(Change("deleted", CHAT, first, ALICE), NOW)

    assert (outcome.message.deleted, outcome.message.text, outcome.message.seq) == (True, "", 1)
    assert outcome.message.reactions == []
    page = await stores.messages.page(CHAT, below_seq=None, above_seq=None, limit=10)
    assert [(m.seq, m.deleted, m.text) for m in page] == [(1, True, ""), (2, False, "after")]
    assert await stores.messages.last_seq(CHAT) == 2  # seqs stay gapless
    if stores.db is not None:  # the text is gone from the row, not hidden
        async with stores.db.read() as conn:
            raw = (await conn.execute(text("SELECT text FROM messages_messages"))).scalars()
            assert "secret words" not in list(raw)


async def test_changing_a_deleted_message_is_a_conflict(stores: Stores) -> None:
    [first] = await send(stores, "x")
    await stores.changes.apply(Change("deleted", CHAT, first, ALICE), NOW)

    for change in (
        Change("edited", CHAT, first, ALICE, text="y"),
        Change("deleted", CHAT, first, ALICE),
        Change("reacted", CHAT, first, BOB, emoji="👍"),
    ):
        with pytest.raises(Conflict):
            await stores.changes.apply(change, NOW)


async def test_an_unknown_message_or_one_of_another_chat_is_not_found(stores: Stores) -> None:
    [first] = await send(stores, "x")

    with pytest.raises(NotFound):
        await stores.changes.apply(Change("edited", CHAT, new_id(), ALICE, text="y"), NOW)
    with pytest.raises(NotFound):
        await stores.changes.apply(Change("edited", OTHER, first, ALICE, text="y"), NOW)


async def test_reactions_toggle_and_count_per_emoji(stores: Stores) -> None:
    [first] = await send(stores, "x")

    await stores.changes.apply(Change("reacted", CHAT, first, ALICE, emoji="👍"), NOW)
    again = await stores.changes.apply(Change("reacted", CHAT, first, ALICE, emoji="👍"), NOW)
    await stores.changes.apply(Change("reacted", CHAT, first, BOB, emoji="👍"), NOW)
    outcome = await stores.changes.apply(Change("reacted", CHAT, first, BOB, emoji="🎉"), NOW)

    assert again.change_seq is None  # nothing changed: no event, no frame
    counts = {(r.emoji, r.count, tuple(r.user_ids)) for r in outcome.message.reactions}
    assert counts == {("👍", 2, (ALICE, BOB)), ("🎉", 1, (BOB,))}

    removed = await stores.changes.apply(Change("unreacted", CHAT, first, ALICE, emoji="👍"), NOW)
    gone = await stores.changes.apply(Change("unreacted", CHAT, first, ALICE, emoji="👍"), NOW)
    assert {(r.emoji, r.count) for r in removed.message.reactions} == {("👍", 1), ("🎉", 1)}
    assert gone.change_seq is None


async def test_changed_since_replays_changes_made_after_the_seq_was_sent(stores: Stores) -> None:
    one, two = await send(stores, "one", "two")
    await stores.changes.apply(Change("edited", CHAT, one, ALICE, text="one!"), NOW)  # at seq 2
    [three] = await send(stores, "three")
    await stores.changes.apply(Change("reacted", CHAT, two, BOB, emoji="👍"), NOW)  # at seq 3
    await stores.changes.apply(Change("deleted", CHAT, one, ALICE), NOW)  # at seq 3

    since_two = await stores.changes.changed_since(CHAT, seq=2, after_change=None, limit=100)
    since_three = await stores.changes.changed_since(CHAT, seq=3, after_change=None, limit=100)
    finer = await stores.changes.changed_since(CHAT, seq=3, after_change=2, limit=100)

    # Message one's latest change (the delete) is the 3rd; two's reaction the 2nd.
    assert [(n, m.id, m.deleted) for n, m in since_two] == [(2, two, False), (3, one, True)]
    assert [(n, m.id) for n, m in since_three] == [(2, two), (3, one)]
    assert [(n, m.id) for n, m in finer] == [(3, one)]
    # Message three was sent after everything it could replay: nothing newer to tell.
    assert three not in {m.id for _, m in since_three}
    assert await stores.changes.changed_since(CHAT, seq=4, after_change=None, limit=9) == []


async def test_changes_never_move_the_chat_seq_or_read_cursors(stores: Stores) -> None:
    [first] = await send(stores, "x")
    before = await stores.messages.activity(BOB, [CHAT])

    await stores.changes.apply(Change("edited", CHAT, first, ALICE, text="y"), NOW)
    await stores.changes.apply(Change("reacted", CHAT, first, BOB, emoji="👍"), NOW)

    after = await stores.messages.activity(BOB, [CHAT])
    assert (after[CHAT].last_seq, after[CHAT].last_read_seq) == (
        before[CHAT].last_seq,
        before[CHAT].last_read_seq,
    )


async def test_a_reply_carries_a_preview_of_the_original(stores: Stores) -> None:
    [first] = await send(stores, "the original " + "x" * 200)
    [reply] = await send(stores, "an answer", reply_to=first)

    stored = await stores.messages.get(CHAT, reply)
    assert stored is not None and stored.reply_to is not None
    assert stored.reply_to.id == first and stored.reply_to.deleted is False
    assert stored.reply_to.text_preview.startswith("the original ")
    assert len(stored.reply_to.text_preview) == 100

    await stores.changes.apply(Change("deleted", CHAT, first, ALICE), NOW)
    page = await stores.messages.page(CHAT, below_seq=None, above_seq=None, limit=5)
    page_reply = page[1]
    assert page_reply.reply_to is not None
    assert (page_reply.reply_to.deleted, page_reply.reply_to.text_preview) == (True, "")


async def test_each_change_writes_one_event_to_the_outbox(stores: Stores) -> None:
    if stores.db is None:
        pytest.skip("the outbox is the SQL stores' (the fake records `changes`)")
    [first] = await send(stores, "x")
    await stores.changes.apply(Change("edited", CHAT, first, ALICE, text="y"), NOW)
    await stores.changes.apply(Change("deleted", CHAT, first, ALICE), NOW)

    async with stores.db.read() as conn:
        topics = (await conn.execute(select(outbox.c.topic).order_by(outbox.c.id))).scalars()
        last_change = (await conn.execute(select(heads.c.last_change))).scalar_one()
    assert list(topics) == [
        "chat.message.persisted",
        "chat.message.updated",
        "chat.message.updated",
    ]
    assert last_change == 2


async def test_mentions_are_counted_above_the_read_cursor(stores: Stores) -> None:
    drafts = [
        Draft(CHAT, ALICE, "@bob", None, ai_generated=False, mentions=(BOB,)),
        Draft(CHAT, ALICE, "plain", None, ai_generated=False),
        Draft(CHAT, ALICE, "@bob again", None, ai_generated=False, mentions=(BOB,)),
    ]
    await stores.messages.append(drafts, NOW)

    assert (await stores.messages.activity(BOB, [CHAT]))[CHAT].mention_count == 2
    assert (await stores.messages.activity(ALICE, [CHAT]))[CHAT].mention_count == 0
    await stores.messages.advance_cursor(CHAT, BOB, 2)
    assert (await stores.messages.activity(BOB, [CHAT]))[CHAT].mention_count == 1
