"""Search on SQLite (FTS5) and PostgreSQL (tsvector): stemming in English and Russian,
ranking, keyset pages, filters, membership, and an index that follows edits and deletes."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from integration_db import ENGINES, database_url, open_database
from sqlalchemy import text

from hubbub.contexts.messages.fakes import StaticMembership
from hubbub.contexts.messages.model import Draft
from hubbub.contexts.messages.ports import Change
from hubbub.contexts.messages.search import MessageSearch
from hubbub.contexts.messages.search_store import SqlSearchStore
from hubbub.contexts.messages.store import SqlMessageStore
from hubbub.contexts.messages.store_changes import SqlChangeStore
from hubbub.infra.db import Database
from hubbub.kernel.errors import Forbidden, Invalid
from hubbub.kernel.ids import new_id

NOW = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
ALICE, BOB, EVE = new_id(), new_id(), new_id()
CHAT, OTHER, SECRET = new_id(), new_id(), new_id()


@dataclass
class World:
    db: Database
    messages: SqlMessageStore
    changes: SqlChangeStore
    index: SqlSearchStore
    search: MessageSearch

    async def send(self, text_: str, *, chat=CHAT, sender=ALICE):  # type: ignore[no-untyped-def]
        [(view, _)] = await self.messages.append([Draft(chat, sender, text_, None, False)], NOW)
        await self.index.index([view.id])
        return view

    async def find(self, q: str, user=ALICE, **kw):  # type: ignore[no-untyped-def]
        kw.setdefault("chat_id", None)
        kw.setdefault("sender_id", None)
        kw.setdefault("limit", 20)
        kw.setdefault("before", None)
        return await self.search.search(user_id=user, query=q, **kw)


@pytest.fixture(params=ENGINES)
def url(request: pytest.FixtureRequest) -> str:
    return database_url(request.param, request)


@pytest.fixture
async def world(url: str) -> AsyncIterator[World]:
    async with open_database(url) as db:
        messages = SqlMessageStore(db)
        index = SqlSearchStore(db)
        membership = StaticMembership({CHAT: {ALICE, BOB}, OTHER: {ALICE}, SECRET: {EVE}})
        yield World(
            db,
            messages,
            SqlChangeStore(db),
            index,
            MessageSearch(index=index, messages=messages, membership=membership),
        )


async def test_words_match_their_other_forms_in_english_and_russian(world: World) -> None:
    meeting = await world.send("The meeting is moved to Friday")
    vstrecha = await world.send("Встреча переносится на пятницу")
    await world.send("nothing to see here")

    english = await world.find("meetings")
    russian = await world.find("встречу")

    assert [r.message.id for r in english.results] == [meeting.id]
    assert english.results[0].highlight == "The <mark>meeting</mark> is moved to Friday"
    assert [r.message.id for r in russian.results] == [vstrecha.id]
    assert russian.results[0].highlight.startswith("<mark>Встреча</mark>")


async def test_every_word_must_match_and_better_matches_rank_first(world: World) -> None:
    once = await world.send("coffee later? also some tea and cake and biscuits and more")
    twice = await world.send("coffee, coffee and more coffee")
    await world.send("tea only")

    hits = await world.find("coffee")
    both = await world.find("coffee tea")

    assert [r.message.id for r in hits.results] == [twice.id, once.id]
    assert [r.message.id for r in both.results] == [once.id]


async def test_only_the_callers_chats_and_the_filters(world: World) -> None:
    mine = await world.send("secret plan", chat=CHAT)
    from_bob = await world.send("secret plan b", chat=CHAT, sender=BOB)
    other = await world.send("secret plan c", chat=OTHER)
    await world.send("secret plan of eve", chat=SECRET, sender=EVE)

    everything = await world.find("secret plan")
    in_chat = await world.find("secret plan", chat_id=CHAT)
    by_bob = await world.find("secret plan", sender_id=BOB)
    as_bob = await world.find("secret", user=BOB)

    assert {r.message.id for r in everything.results} == {mine.id, from_bob.id, other.id}
    assert {r.message.id for r in in_chat.results} == {mine.id, from_bob.id}
    assert [r.message.id for r in by_bob.results] == [from_bob.id]
    assert {r.message.id for r in as_bob.results} == {mine.id, from_bob.id}
    with pytest.raises(Forbidden):
        await world.find("secret", chat_id=SECRET)


async def test_keyset_pages_cover_every_hit_once(world: World) -> None:
    sent = [await world.send(f"report number {n} " + "report " * (n % 3)) for n in range(7)]

    seen, cursor, pages = [], None, 0
    while True:
        page = await world.find("report", limit=3, before=cursor)
        seen += [r.message.id for r in page.results]
        pages += 1
        if page.next is None:
            break
        cursor = page.next

    assert pages == 3
    assert sorted(seen) == sorted(m.id for m in sent)
    with pytest.raises(Invalid) as bad:
        await world.find("report", before="not-a-cursor!")
    assert bad.value.code == "invalid_cursor"


@pytest.mark.parametrize("query", ["the and of", "...", "и в на", "!!! ???", "   "])
async def test_stop_words_or_punctuation_only_is_a_clear_422(world: World, query: str) -> None:
    with pytest.raises(Invalid) as refused:
        await world.find(query)
    assert refused.value.code in ("empty_query", "invalid_query")


async def test_highlights_are_escaped(world: World) -> None:
    await world.send("<script>alert(1)</script> deploy now")

    [hit] = (await world.find("deploy")).results

    assert hit.highlight == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>deploy</mark> now"


async def test_the_index_follows_edits_and_deletes(world: World) -> None:
    sent = await world.send("bananas are yellow")
    await world.changes.apply(Change("edited", CHAT, sent.id, ALICE, text="apples are red"), NOW)

    assert (await world.find("banana")).results == []
    assert [r.message.id for r in (await world.find("apple")).results] == [sent.id]

    await world.changes.apply(Change("deleted", CHAT, sent.id, ALICE), NOW)

    assert (await world.find("apple")).results == []
    async with world.db.read() as conn:
        docs = (await conn.execute(text("SELECT count(*) FROM messages_search_docs"))).scalar()
        if world.db.is_sqlite:
            bodies = (await conn.execute(text("SELECT body FROM messages_search_fts"))).all()
            assert bodies == []
    assert docs == 0


async def test_indexing_skips_deleted_messages_and_is_idempotent(world: World) -> None:
    [(view, _)] = await world.messages.append([Draft(CHAT, ALICE, "kiwi", None, False)], NOW)
    await world.changes.apply(Change("deleted", CHAT, view.id, ALICE), NOW)

    await world.index.index([view.id])  # a late event for a message deleted meanwhile
    kept = await world.send("kiwi again")
    await world.index.index([kept.id, kept.id])

    assert [r.message.id for r in (await world.find("kiwi")).results] == [kept.id]


async def test_catch_up_indexes_everything_then_a_recent_window(world: World) -> None:
    drafts = [Draft(CHAT, ALICE, f"backlog item {n}", None, False) for n in range(7)]
    await world.messages.append(drafts, NOW)  # stored before search existed: not indexed
    assert (await world.find("backlog")).results == []

    assert await world.index.catch_up(batch=3) == 7
    assert len((await world.find("backlog", limit=50)).results) == 7
    # Later starts look back a window only (everything here is recent: all again).
    assert await world.index.catch_up(window_seconds=60) == 7
    assert await world.index.catch_up(window_seconds=0) <= 7
