"""Binding the assistant: who may, what types exist, one per kind, deleting, on-demand advice."""

import pytest
from assistant_world import World, build_world

from hubbub.contexts.assistant.model import JobStatus
from hubbub.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents
from hubbub.kernel.ids import new_id


@pytest.fixture
async def world(clock: FixedClock, live: RecordingLiveEvents) -> World:
    return await build_world(clock, live)


async def test_a_binding_starts_a_thread_of_its_own(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    advice = await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    reply = await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")

    assert (advice.type, advice.user_id, advice.chat_id) == ("advice", world.alice, chat)
    assert advice.thread_id != reply.thread_id
    mine = await world.assistant.bindings(user_id=world.alice, chat_id=chat)
    assert [b.id for b in mine] == [advice.id, reply.id]
    assert await world.assistant.bindings(user_id=world.bob, chat_id=chat) == []


async def test_one_binding_per_chat_user_and_type(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    with pytest.raises(Conflict) as refused:
        await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    assert refused.value.code == "binding_exists"
    await world.assistant.bind(user_id=world.bob, chat_id=chat, kind="advice")  # bob's own side


async def test_only_members_may_bind(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    with pytest.raises(Forbidden):
        await world.assistant.bind(user_id=world.carol, chat_id=chat, kind="advice")
    with pytest.raises(NotFound):
        await world.assistant.bind(user_id=world.carol, chat_id=new_id(), kind="advice")
    assert world.store.bindings == {}


async def test_an_unknown_type_is_refused(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    with pytest.raises(Invalid, match="type"):
        await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="oracle")
    assert world.store.bindings == {}


async def test_only_the_owner_deletes_a_binding(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    binding = await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    with pytest.raises(NotFound):
        await world.assistant.unbind(user_id=world.bob, chat_id=chat, binding_id=binding.id)
    await world.assistant.unbind(user_id=world.alice, chat_id=chat, binding_id=binding.id)
    assert await world.assistant.bindings(user_id=world.alice, chat_id=chat) == []
    with pytest.raises(NotFound):
        await world.assistant.unbind(user_id=world.alice, chat_id=chat, binding_id=binding.id)


async def test_a_deleted_binding_stops_reacting_at_once(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    binding = await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    await world.say(world.bob, chat, "warm the cache")
    await world.pump()
    await world.assistant.unbind(user_id=world.alice, chat_id=chat, binding_id=binding.id)
    await world.say(world.bob, chat, "after the delete")
    await world.pump()

    assert [m.ai_generated for m in await world.history(chat)] == [False, True, False]


async def test_on_demand_advice_needs_an_advice_binding(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    with pytest.raises(Conflict) as refused:
        await world.assistant.request_advice(user_id=world.alice, chat_id=chat)
    assert refused.value.code == "no_advice_binding"
    with pytest.raises(Forbidden):
        await world.assistant.request_advice(user_id=world.carol, chat_id=chat)
    assert world.store.jobs == {}


async def test_on_demand_advice_in_an_empty_chat_is_about_nothing_yet(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    job_id = await world.assistant.request_advice(user_id=world.alice, chat_id=chat)
    await world.pump()

    assert world.store.jobs[job_id].status is JobStatus.DONE
    [pushed] = world.live.of_type("ai_advice")
    assert pushed.frame is not None and pushed.frame["in_reply_to"] is None


async def test_advice_is_listed_in_keyset_pages(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    for text in ("one", "two", "three"):
        await world.say(world.bob, chat, text)
    await world.pump()

    newest = await world.assistant.advice(user_id=world.alice, chat_id=chat, limit=2)
    assert newest.has_previous is True
    older = await world.assistant.advice(
        user_id=world.alice, chat_id=chat, limit=2, before_id=newest.advice[0].id
    )
    assert (len(older.advice), older.has_previous) == (1, False)
    ids = [a.id for a in older.advice + newest.advice]
    assert ids == sorted(ids)
    with pytest.raises(Invalid):
        await world.assistant.advice(user_id=world.alice, chat_id=chat, limit=0)
    with pytest.raises(Forbidden):
        await world.assistant.advice(user_id=world.carol, chat_id=chat, limit=5)
