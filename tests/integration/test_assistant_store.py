"""The AssistantStore contract, run over InMemoryAssistantStore, SqlAssistantStore on SQLite
and on PostgreSQL, so that the fake the unit tests use cannot drift."""

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID

import orjson
import pytest
from integration_db import ENGINES, database_url, open_database
from sqlalchemy import select

from hubbub.contexts.assistant.fakes import InMemoryAssistantStore
from hubbub.contexts.assistant.model import Advice, Binding, Job, JobStatus
from hubbub.contexts.assistant.ports import AssistantStore, Kind
from hubbub.contexts.assistant.store import SqlAssistantStore
from hubbub.contexts.assistant.voice import Voice
from hubbub.infra.db import Database
from hubbub.infra.db.outbox import outbox
from hubbub.kernel.ids import new_id

NOW = datetime(2026, 11, 30, 10, 0, 0, 123000, tzinfo=UTC)
ALICE, BOB = new_id(), new_id()
CHAT, OTHER = new_id(), new_id()


@pytest.fixture(params=[pytest.param("memory"), *ENGINES])
def store_url(request: pytest.FixtureRequest) -> str | None:
    return None if request.param == "memory" else database_url(request.param, request)


@pytest.fixture
async def db(store_url: str | None) -> AsyncIterator[Database | None]:
    if store_url is None:
        yield None
        return
    async with open_database(store_url) as database:
        yield database


@pytest.fixture
def store(db: Database | None) -> AssistantStore:
    return InMemoryAssistantStore() if db is None else SqlAssistantStore(db)


def binding(kind: Kind = "advice", *, user: UUID = ALICE, chat: UUID = CHAT) -> Binding:
    return Binding(new_id(), chat, user, kind, new_id(), NOW)


def job(of: Binding, trigger: UUID | None = None, seq: int | None = None) -> Job:
    return Job(
        new_id(), of.id, of.thread_id, of.chat_id, of.user_id, of.kind, trigger, seq,
        JobStatus.QUEUED, NOW,
    )  # fmt: skip


def advice(for_job: Job, text: str = "say sorry") -> Advice:
    return Advice(
        new_id(), for_job.id, for_job.thread_id, for_job.chat_id, for_job.user_id, text,
        "sorry!", None, NOW,
    )  # fmt: skip


async def outbox_topics(store: AssistantStore, db: Database | None) -> list[tuple[str, dict]]:
    if isinstance(store, InMemoryAssistantStore):
        return [(e.topic, e.to_payload()) for e in store.outbox]
    assert db is not None
    async with db.read() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
    return [(r.topic, orjson.loads(r.payload)) for r in rows]


async def test_one_binding_per_chat_user_and_kind(store: AssistantStore) -> None:
    first = binding("advice")
    assert await store.add_binding(first) is True
    assert await store.add_binding(binding("advice")) is False
    assert await store.add_binding(binding("autoreply")) is True
    assert await store.add_binding(binding("advice", user=BOB)) is True

    assert await store.get_binding(first.id) == first
    assert len(await store.bindings_in(CHAT)) == 3
    assert [b.kind for b in await store.bindings_in(CHAT, ALICE)] == ["advice", "autoreply"]
    assert await store.bindings_in(OTHER) == []


async def test_enqueue_writes_each_job_and_its_request_once(
    store: AssistantStore, db: Database | None
) -> None:
    advise, reply = binding("advice"), binding("autoreply")
    for b in (advise, reply):
        await store.add_binding(b)
    trigger = new_id()
    queued = await store.enqueue([job(advise, trigger, 3), job(reply, trigger, 3)])
    again = await store.enqueue([job(advise, trigger, 3), job(reply, trigger, 3)])

    assert len(queued) == 2 and again == []
    got = await store.get_job(queued[0].id)
    assert got == queued[0] and got.trigger_seq == 3 and got.status is JobStatus.QUEUED
    topics = await outbox_topics(store, db)
    assert [t for t, _ in topics] == ["ai.advice.request", "ai.autoreply.request"]
    assert topics[0][1]["job_id"] == str(queued[0].id)
    # On-demand jobs have no trigger: each one is new.
    assert len(await store.enqueue([job(advise), job(advise)])) == 2


async def test_finish_closes_a_queued_job_once(store: AssistantStore) -> None:
    b = binding()
    await store.add_binding(b)
    [queued] = await store.enqueue([job(b, new_id(), 1)])

    assert await store.finish(queued.finished(JobStatus.FAILED, "model down"), NOW) is True
    assert await store.finish(queued.finished(JobStatus.DONE), NOW) is False
    closed = await store.get_job(queued.id)
    assert closed is not None and (closed.status, closed.error) == (JobStatus.FAILED, "model down")


async def test_deleting_a_binding_cancels_its_queued_jobs(store: AssistantStore) -> None:
    b, other = binding(), binding("autoreply")
    for each in (b, other):
        await store.add_binding(each)
    done, waiting = await store.enqueue([job(b, new_id(), 1), job(b, new_id(), 2)])
    [untouched] = await store.enqueue([job(other, new_id(), 2)])
    await store.finish(done.finished(JobStatus.DONE), NOW)

    assert await store.delete_binding(b.id, NOW) is True
    assert await store.delete_binding(b.id, NOW) is False
    assert await store.get_binding(b.id) is None
    statuses = [(await store.get_job(j.id)).status for j in (done, waiting, untouched)]  # type: ignore[union-attr]
    assert statuses == [JobStatus.DONE, JobStatus.CANCELLED, JobStatus.QUEUED]


async def test_advice_is_stored_with_its_job_closed_once(store: AssistantStore) -> None:
    b = binding()
    await store.add_binding(b)
    [queued] = await store.enqueue([job(b, new_id(), 1)])
    given = advice(queued)

    assert await store.add_advice(given, NOW) is True
    assert await store.add_advice(advice(queued, "again"), NOW) is False
    assert (await store.get_job(queued.id)).status is JobStatus.DONE  # type: ignore[union-attr]
    assert await store.advice_of(CHAT, ALICE, limit=10, before_id=None) == [given]
    assert await store.advice_of(CHAT, BOB, limit=10, before_id=None) == []


async def test_advice_pages_newest_first_and_the_thread_remembers(store: AssistantStore) -> None:
    b = binding()
    await store.add_binding(b)
    given = []
    for i in range(4):
        [queued] = await store.enqueue([job(b, new_id(), i + 1)])
        item = advice(queued, f"advice {i}")
        await store.add_advice(item, NOW + timedelta(seconds=i))
        given.append(item)

    page = await store.advice_of(CHAT, ALICE, limit=2, before_id=None)
    assert page == [given[3], given[2]]
    assert await store.advice_of(CHAT, ALICE, limit=5, before_id=given[2].id) == given[1::-1]
    assert await store.thread_memory(b.thread_id, 3) == ["advice 1", "advice 2", "advice 3"]
    assert await store.thread_memory(new_id(), 3) == []


async def test_queued_jobs_are_listed_oldest_first(store: AssistantStore) -> None:
    b = binding()
    await store.add_binding(b)
    first, second, third = await store.enqueue([job(b, new_id(), n) for n in (1, 2, 3)])
    await store.finish(second.finished(JobStatus.DONE), NOW)

    assert [j.id for j in await store.queued_jobs(10)] == [first.id, third.id]
    assert [j.id for j in await store.queued_jobs(1)] == [first.id]


async def test_advice_keeps_its_kind(store: AssistantStore) -> None:
    owner = binding("autoreply")
    await store.add_binding(owner)
    queued = job(owner, new_id(), 1)
    await store.enqueue([queued])
    notice = replace(advice(queued, "Replied for you."), kind="notice")
    assert await store.add_advice(notice, NOW)

    [stored] = await store.advice_of(CHAT, ALICE, limit=5, before_id=None)
    assert (stored.kind, stored.text) == ("notice", "Replied for you.")


async def test_voice_settings_are_saved_and_changed(store: AssistantStore) -> None:
    assert await store.voice_of(ALICE) is None
    await store.save_voice(ALICE, Voice(gender="feminine"), NOW)
    await store.save_voice(ALICE, Voice(gender="feminine", address="formal"), NOW)
    assert await store.voice_of(ALICE) == Voice(gender="feminine", address="formal")
    assert await store.voice_of(BOB) is None


async def test_erasing_a_user_deletes_their_bindings_jobs_and_advice_only(
    store: AssistantStore,
) -> None:
    mine = binding("advice")
    other_chat = binding("autoreply", chat=OTHER)
    theirs = binding("advice", user=BOB)
    for made in (mine, other_chat, theirs):
        assert await store.add_binding(made)
    [my_job] = await store.enqueue([job(mine)])
    [their_job] = await store.enqueue([job(theirs)])
    assert await store.add_advice(advice(my_job), NOW)
    assert await store.add_advice(advice(their_job, "be kind"), NOW)

    await store.save_voice(ALICE, Voice(gender="feminine"), NOW)
    await store.save_voice(BOB, Voice(gender="masculine"), NOW)

    assert await store.erase_user(ALICE) == {CHAT, OTHER}

    assert await store.voice_of(ALICE) is None
    assert await store.voice_of(BOB) == Voice(gender="masculine")

    assert await store.bindings_in(CHAT, ALICE) == []
    assert await store.bindings_in(OTHER) == []
    assert await store.get_job(my_job.id) is None
    assert await store.advice_of(CHAT, ALICE, limit=10, before_id=None) == []
    assert [b.id for b in await store.bindings_in(CHAT)] == [theirs.id]
    assert [a.text for a in await store.advice_of(CHAT, BOB, limit=10, before_id=None)] == [
        "be kind"
    ]
    assert await store.erase_user(ALICE) == set()  # again: nothing left, no error
