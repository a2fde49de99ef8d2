"""The MessageStore contract, run over InMemoryMessageStore, SqlMessageStore on SQLite and
SqlMessageStore on PostgreSQL, so that the fake the unit tests use cannot drift."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from uuid import UUID

import pytest
from integration_db import ENGINES, database_url, open_database
from sqlalchemy import text

from hubbub.contexts.messages import MessageView
from hubbub.contexts.messages.batch import append_plan, run_plan
from hubbub.contexts.messages.fakes import InMemoryMessageStore
from hubbub.contexts.messages.model import Draft
from hubbub.contexts.messages.ports import MessageStore
from hubbub.contexts.messages.store import SqlMessageStore
from hubbub.infra.db import Database
from hubbub.kernel.ids import new_id

NOW = datetime(2026, 11, 22, 10, 0, 0, 123000, tzinfo=UTC)
ALICE, BOB = new_id(), new_id()
CHAT, OTHER = new_id(), new_id()


@pytest.fixture(params=[pytest.param("memory"), *ENGINES])
def store_url(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "memory" else database_url(request.param, request)


@pytest.fixture
async def store(store_url: str | None) -> AsyncIterator[MessageStore]:
    if store_url is None:
        yield InMemoryMessageStore()
        return
    async with open_database(store_url) as db:
        yield SqlMessageStore(db)


def draft(
    text: str = "hi", *, chat: UUID = CHAT, sender: UUID = ALICE, request_id: str | None = None
) -> Draft:
    return Draft(chat, sender, text, request_id, ai_generated=False)


async def fill(store: MessageStore, count: int, chat: UUID = CHAT) -> list[MessageView]:
    results = await store.append([draft(f"m{i}", chat=chat) for i in range(1, count + 1)], NOW)
    return [view for view, _ in results]


def seqs(views: list[MessageView]) -> list[int]:
    return [v.seq for v in views]


async def test_append_returns_what_get_reads_back(store: MessageStore) -> None:
    [(view, created)] = await store.append(
        [Draft(CHAT, ALICE, "hello", "r-1", ai_generated=True)], NOW
    )

    assert created is True
    assert (view.chat_id, view.seq, view.sender_id, view.text) == (CHAT, 1, ALICE, "hello")
    assert (view.request_id, view.ai_generated, view.created_at) == ("r-1", True, NOW)
    assert view.edited_at is None
    assert await store.get(CHAT, view.id) == view
    assert await store.get(OTHER, view.id) is None  # ids are looked up within their chat


async def test_a_batch_across_chats_numbers_each_chat_without_gaps(store: MessageStore) -> None:
    await fill(store, 2, chat=OTHER)
    batch = [draft("a"), draft("x", chat=OTHER), draft("b"), draft("y", chat=OTHER), draft("c")]

    results = await store.append(batch, NOW)

    assert [(v.chat_id, v.seq, v.text) for v, _ in results] == [
        (CHAT, 1, "a"),
        (OTHER, 3, "x"),
        (CHAT, 2, "b"),
        (OTHER, 4, "y"),
        (CHAT, 3, "c"),
    ]
    assert (await store.last_seq(CHAT), await store.last_seq(OTHER)) == (3, 4)
    assert await store.last_seq(new_id()) == 0


async def test_a_duplicate_inside_one_batch_gets_the_first_ones_message(
    store: MessageStore,
) -> None:
    batch = [
        draft("first", request_id="r-1"),
        draft("other", request_id="r-2"),
        draft("retry", request_id="r-1"),
        draft("bob's", sender=BOB, request_id="r-1"),  # another sender: not a duplicate
    ]

    results = await store.append(batch, NOW)

    assert [created for _, created in results] == [True, True, False, True]
    assert results[2][0] == results[0][0]
    assert seqs([v for v, _ in results]) == [1, 2, 1, 3]
    assert await store.last_seq(CHAT) == 3


async def test_a_duplicate_in_a_later_batch_gets_the_stored_original(store: MessageStore) -> None:
    [(original, _)] = await store.append([draft("first", request_id="r-1")], NOW)

    results = await store.append(
        [draft("new"), draft("retry", request_id="r-1"), draft("newer", chat=OTHER)], NOW
    )

    assert [(v.text, v.seq, created) for v, created in results] == [
        ("new", 2, True),
        ("first", 1, False),
        ("newer", 1, True),
    ]
    assert results[1][0] == original


async def test_the_newest_page_and_pages_below_a_seq(store: MessageStore) -> None:
    await fill(store, 10)
    await fill(store, 3, chat=OTHER)

    assert seqs(await store.page(CHAT, below_seq=None, above_seq=None, limit=3)) == [8, 9, 10]
    assert seqs(await store.page(CHAT, below_seq=5, above_seq=None, limit=3)) == [2, 3, 4]
    assert seqs(await store.page(CHAT, below_seq=3, above_seq=None, limit=5)) == [1, 2]
    assert await store.page(CHAT, below_seq=1, above_seq=None, limit=5) == []
    assert await store.page(new_id(), below_seq=None, above_seq=None, limit=5) == []


async def test_pages_above_a_seq_are_ascending_from_it(store: MessageStore) -> None:
    await fill(store, 10)

    assert seqs(await store.page(CHAT, below_seq=None, above_seq=0, limit=3)) == [1, 2, 3]
    assert seqs(await store.page(CHAT, below_seq=None, above_seq=7, limit=5)) == [8, 9, 10]
    assert await store.page(CHAT, below_seq=None, above_seq=10, limit=5) == []


async def test_sending_moves_the_senders_cursor_only(store: MessageStore) -> None:
    await store.append([draft("a"), draft("b", sender=BOB), draft("c")], NOW)

    alice = (await store.activity(ALICE, [CHAT]))[CHAT]
    bob = (await store.activity(BOB, [CHAT]))[CHAT]

    assert (alice.last_seq, alice.last_read_seq) == (3, 3)
    assert (bob.last_seq, bob.last_read_seq) == (3, 2)


async def test_activity_reports_the_last_message_of_chats_with_messages(
    store: MessageStore,
) -> None:
    views = await fill(store, 3)
    empty = new_id()

    activity = await store.activity(BOB, [CHAT, empty])

    assert list(activity) == [CHAT]
    found = activity[CHAT]
    assert (found.last_seq, found.last_read_seq) == (3, 0)
    assert found.last_message is not None
    last = views[-1]
    assert (found.last_message.id, found.last_message.seq, found.last_message.text) == (
        last.id,
        3,
        "m3",
    )
    assert found.last_message.created_at == NOW
    assert await store.activity(BOB, []) == {}


async def test_advance_cursor_only_moves_forward(store: MessageStore) -> None:
    await fill(store, 5)

    assert await store.advance_cursor(CHAT, BOB, 0) == (0, False)
    assert await store.advance_cursor(CHAT, BOB, 3) == (3, True)
    assert await store.advance_cursor(CHAT, BOB, 3) == (3, False)
    assert await store.advance_cursor(CHAT, BOB, 2) == (3, False)
    assert await store.advance_cursor(CHAT, BOB, 5) == (5, True)
    assert (await store.activity(BOB, [CHAT]))[CHAT].last_read_seq == 5


async def test_activity_tells_how_far_the_others_have_read(store: MessageStore) -> None:
    carol = new_id()
    await fill(store, 5)  # alice wrote 1..5: her cursor is at 5
    await store.advance_cursor(CHAT, BOB, 3)
    await store.advance_cursor(CHAT, carol, 2)

    assert (await store.activity(ALICE, [CHAT]))[CHAT].others_read_seq == 3
    assert (await store.activity(BOB, [CHAT]))[CHAT].others_read_seq == 5


async def test_the_raw_sqlite_batch_stores_what_sqlalchemy_core_stores(
    request: pytest.FixtureRequest, sqlite_template: object
) -> None:
    """The SQLite write path runs fixed statements on the sqlite3 cursor (store_sqlite.py);
    SQLAlchemy Core's version (`_answer`) is the reference: the same rows, value for value and
    type for type, in every table a batch touches, and the same results."""
    replied = new_id()
    raw_dump = await _stored_by(database_url("sqlite", request), replied, raw=True)
    core_dump = await _stored_by(database_url("sqlite", request), replied, raw=False)
    assert len(raw_dump["messages_messages"]) == 4
    assert len(raw_dump["outbox"]) == 4
    assert raw_dump == core_dump


async def _stored_by(url: str, replied: UUID, *, raw: bool) -> dict[str, list[tuple[object, ...]]]:
    tables = ["messages_messages", "messages_chat_heads", "messages_read_cursors"]
    tables += ["messages_mentions", "outbox"]
    made: list[UUID] = []
    async with open_database(url) as db:
        run = _Run(db, SqlMessageStore(db), raw)

        async def append(drafts: list[Draft]) -> list[bool]:
            results = await run.append(drafts)
            made.extend(v.id for v, created in results if created)
            return [created for _, created in results]

        mention = Draft(CHAT, BOB, "@alice hi", "r-2", ai_generated=True, mentions=(ALICE,))
        reply = Draft(OTHER, ALICE, "re", None, ai_generated=False, reply_to=replied)
        assert await append([draft("a", request_id="r-1"), draft("x", chat=OTHER), mention])
        assert await append([draft("a again", request_id="r-1"), reply]) == [False, True]
        dump: dict[str, list[tuple[object, ...]]] = {}
        async with db.read() as conn:
            for table in tables:
                rows = (await conn.execute(text(f"SELECT * FROM {table}"))).all()
                dump[table] = [tuple(_stable(v, made) for v in row) for row in rows]
    return dump


def _stable(value: object, made: list[UUID]) -> object:
    """A stored value with what differs between two runs replaced: generated message ids (by
    their rank), the outbox's wall-clock time (by its shape)."""
    if isinstance(value, bytes):
        for rank, message_id in enumerate(made):
            value = value.replace(str(message_id).encode(), f"<m{rank}>".encode())
        return ("bytes", value)
    if isinstance(value, str):
        for rank, message_id in enumerate(made):
            value = value.replace(message_id.hex, f"<m{rank}>")
        if value.startswith(str(datetime.now(UTC).year)):
            return ("now", len(value), value[10], value[19])
        return ("str", value)
    return (type(value).__name__, value)


class _Run:
    """One side of the comparison: the store's own (raw) path, or SQLAlchemy Core's."""

    def __init__(self, db: Database, store: SqlMessageStore, raw: bool) -> None:
        self.db, self.store, self.raw = db, store, raw

    async def append(self, drafts: list[Draft]) -> list[tuple[MessageView, bool]]:
        if self.raw:
            return await self.store.append(drafts, NOW)
        store = self.store
        return await self.db.run_write(
            lambda conn: run_plan(
                append_plan(drafts, NOW),
                lambda step: store._answer(conn, step),
            )
        )
