"""The assistant's pipeline with fakes: stored message → jobs → model → advice or autoreply,
and every safety rule around it."""

from uuid import UUID

import pytest
from assistant_world import World, build_world, payload
from structlog.testing import capture_logs

from hubbub.contexts.assistant.api import AssistantSettingsPatch
from hubbub.contexts.assistant.model import CONTEXT_LINES, JobStatus
from hubbub.contexts.assistant.ports import Answer, Prompt
from hubbub.contexts.assistant.voice import Voice
from hubbub.infra.bus import InMemoryBus
from hubbub.infra.observability.metrics import ASSISTANT_JOBS
from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents


@pytest.fixture
async def world(clock: FixedClock, live: RecordingLiveEvents) -> World:
    return await build_world(clock, live)


def statuses(world: World) -> list[JobStatus]:
    return [job.status for job in world.store.jobs.values()]


async def test_advice_reaches_only_its_owner_and_is_listed(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    said = await world.say(world.bob, chat, "Sorry, running late")
    await world.pump()

    [pushed] = world.live.of_type("ai_advice")
    assert (pushed.kind, pushed.target) == ("to_user", world.alice)
    assert pushed.frame is not None
    assert pushed.frame["text"] == "advice answer to Sorry, running late"
    assert pushed.frame["in_reply_to"] == str(said.id)
    assert pushed.frame["kind"] == "advice"
    listed = await world.assistant.advice(user_id=world.alice, chat_id=chat, limit=10)
    assert [a.text for a in listed.advice] == ["advice answer to Sorry, running late"]
    assert (await world.assistant.advice(user_id=world.bob, chat_id=chat, limit=10)).advice == []


async def test_an_autoreply_is_a_normal_message_in_the_owners_name(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    await world.say(world.bob, chat, "are you there?")
    await world.pump()

    human, reply = await world.history(chat)
    assert (reply.sender_id, reply.text, reply.ai_generated) == (
        world.alice,
        "autoreply answer to are you there?",
        True,
    )
    assert reply.seq == human.seq + 1
    job = next(iter(world.store.jobs.values()))
    assert reply.request_id == job.request_id
    # Fanned out like any message, to the whole chat.
    assert any(
        c.frame and c.frame["message"]["id"] == str(reply.id)
        for c in world.live.of_type("new_message")
    )


async def test_two_autoreply_bindings_give_one_ai_message_per_human_message(
    world: World,
) -> None:
    chat = await world.direct(world.alice, world.bob)
    for person in (world.alice, world.bob):
        await world.assistant.bind(user_id=person, chat_id=chat, kind="autoreply")
    await world.say(world.alice, chat, "hello")
    await world.say(world.bob, chat, "hi there")
    await world.pump()

    messages = await world.history(chat)
    assert [m.ai_generated for m in messages].count(True) == 2
    assert [(m.sender_id, m.ai_generated) for m in messages if m.ai_generated] == [
        (world.bob, True),  # answering alice's "hello"
        (world.alice, True),  # answering bob's "hi there"
    ]
    assert len(world.provider.prompts) == 2


async def test_the_assistant_never_reacts_to_ai_generated_messages(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    await world.messages.post(
        sender_id=world.bob, chat_id=chat, text="bot says hi", request_id=None, ai_generated=True
    )
    await world.pump()

    assert world.store.jobs == {}
    assert world.provider.prompts == []


async def test_bindings_react_only_to_other_members(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    await world.say(world.alice, chat, "my own words")
    await world.pump()

    assert world.store.jobs == {}
    assert len(await world.history(chat)) == 1


async def test_a_new_binding_does_not_answer_older_messages(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.say(world.bob, chat, "said before anyone bound anything")
    world.clock.advance()
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    await world.pump()  # the relay was late: the old message arrives after the binding

    assert world.store.jobs == {}


async def test_the_model_sees_only_what_the_owner_can_see_up_to_the_trigger(
    world: World,
) -> None:
    room = await world.group(world.alice, world.bob, world.carol)
    elsewhere = await world.direct(world.bob, world.dave)
    await world.say(world.bob, elsewhere, "a secret alice must never see")
    await world.say(world.alice, room, "lunch?")
    await world.assistant.bind(user_id=world.alice, chat_id=room, kind="advice")
    await world.say(world.carol, room, "yes, at noon")
    world.message_store.outbox.clear()  # deliver only the next message
    trigger = await world.say(world.bob, room, "I'm in")
    await world.say(world.carol, room, "said after the trigger")
    del world.message_store.outbox[1:]
    await world.pump()

    [prompt] = world.provider.prompts
    assert prompt.kind == "advice" and prompt.owner_name == "Alice"
    assert [(t.author, t.text, t.from_owner) for t in prompt.turns] == [
        ("Alice", "lunch?", True),
        ("Carol", "yes, at noon", False),
        ("Bob", trigger.text, False),
    ]


async def test_the_context_is_the_latest_lines_and_the_threads_memory(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    for i in range(CONTEXT_LINES + 5):
        await world.say(world.bob, chat, f"line {i}")
    await world.pump()

    first, *_, last = world.provider.prompts
    assert [t.text for t in first.turns] == ["line 0"]
    assert len(last.turns) == CONTEXT_LINES
    assert last.turns[-1].text == f"line {CONTEXT_LINES + 4}"
    assert len(last.memory) == 5  # the thread remembers its latest advice


async def test_a_member_who_left_gets_no_more_work(world: World) -> None:
    room = await world.group(world.alice, world.bob, world.carol)
    await world.assistant.bind(user_id=world.bob, chat_id=room, kind="autoreply")
    await world.say(world.carol, room, "first")
    await world.queue_jobs()
    await world.chats.remove(actor_id=world.bob, chat_id=room, user_id=world.bob)
    await world.pump()

    assert statuses(world) == [JobStatus.CANCELLED]
    await world.say(world.carol, room, "second")
    await world.pump()
    assert len(world.store.jobs) == 1  # nothing queued for a non-member
    assert world.provider.prompts == []


async def test_deleting_a_binding_cancels_its_queued_jobs(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    binding = await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    await world.say(world.bob, chat, "one")
    await world.queue_jobs()
    await world.assistant.unbind(user_id=world.alice, chat_id=chat, binding_id=binding.id)
    await world.pump()

    assert statuses(world) == [JobStatus.CANCELLED]
    assert world.provider.prompts == []
    assert len(await world.history(chat)) == 1


async def test_a_binding_deleted_while_the_model_thinks_posts_nothing(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    binding = await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    world.provider.script = lambda prompt: _delete_then_answer(world, binding.id, prompt)
    await world.say(world.bob, chat, "one")
    await world.pump()

    assert statuses(world) == [JobStatus.CANCELLED]
    assert len(await world.history(chat)) == 1


async def test_redelivered_events_do_the_work_once(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    await world.say(world.bob, chat, "hello?")
    world.message_store.outbox *= 2  # the bus delivered the message twice
    await world.pump()
    for job in list(world.store.jobs.values()):  # and every job again
        await world.consumers.on_job_queued(str(job.binding_id), payload({"job_id": str(job.id)}))

    assert len(world.store.jobs) == 2
    assert len(world.provider.prompts) == 2
    assert [m.ai_generated for m in await world.history(chat)] == [False, True]
    assert len(world.live.of_type("ai_advice")) == 1


async def test_the_per_minute_budget_is_reported_as_an_error_frame(
    clock: FixedClock, live: RecordingLiveEvents
) -> None:
    world = await build_world(clock, live, per_minute=2)
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    for text in ("one", "two", "three"):
        await world.say(world.bob, chat, text)
    await world.pump()

    assert statuses(world) == [JobStatus.DONE, JobStatus.DONE, JobStatus.LIMITED]
    assert len(world.provider.prompts) == 2
    [refused] = world.frames_to(world.alice, "error")
    assert refused.frame is not None
    assert refused.frame["code"] == "ai_rate_limited"
    assert refused.frame["chat_id"] == str(chat)
    assert "2 per minute" in refused.frame["message"]
    assert refused.frame["retry_after"] >= 1
    assert world.frames_to(world.bob, "error") == []


async def test_the_per_day_budget_is_reported_too(
    clock: FixedClock, live: RecordingLiveEvents
) -> None:
    world = await build_world(clock, live, per_day=1)
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    await world.say(world.bob, chat, "one")
    await world.say(world.bob, chat, "two")
    await world.pump()

    [refused] = world.frames_to(world.alice, "error")
    assert refused.frame is not None and "1 per day" in refused.frame["message"]


async def test_a_failing_model_is_recorded_and_never_loses_the_message(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    world.provider.failing = "connection refused"
    failed_before = ASSISTANT_JOBS.labels(kind="autoreply", outcome="failed")._value.get()
    await world.say(world.bob, chat, "still there?")
    with capture_logs() as logs:
        await world.pump()

    [logged] = [line for line in logs if line["event"] == "assistant_job_failed"]
    assert (logged["log_level"], logged["error"]) == ("error", "connection refused")

    assert statuses(world) == [JobStatus.FAILED]
    assert next(iter(world.store.jobs.values())).error == "connection refused"
    assert ASSISTANT_JOBS.labels(kind="autoreply", outcome="failed")._value.get() == (
        failed_before + 1
    )
    [told] = world.frames_to(world.alice, "error")
    assert told.frame is not None and told.frame["code"] == "ai_unavailable"
    assert [m.text for m in await world.history(chat)] == ["still there?"]

    world.provider.failing = None  # the model is back: the next message is answered
    await world.say(world.bob, chat, "hello?")
    await world.pump()
    assert [m.ai_generated for m in await world.history(chat)] == [False, False, True]


async def test_a_declining_model_stays_silent(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    world.provider.script = lambda prompt: None
    await world.say(world.bob, chat, "the Fourier transform of a Gaussian")
    await world.pump()

    assert statuses(world) == [JobStatus.DECLINED]
    assert len(await world.history(chat)) == 1


async def test_neutral_advice_is_given_on_demand_but_never_pushed_unasked(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    world.provider.script = lambda prompt: Answer(text="answer in your own words", intent="neutral")
    said = await world.say(world.bob, chat, "hmm")
    await world.pump()
    assert world.live.of_type("ai_advice") == []

    await world.assistant.request_advice(user_id=world.alice, chat_id=chat)
    await world.pump()
    [pushed] = world.live.of_type("ai_advice")
    assert pushed.frame is not None and pushed.frame["in_reply_to"] == str(said.id)


def _delete_then_answer(world: World, binding_id: UUID, prompt: Prompt) -> Answer:
    world.store.bindings.pop(binding_id)
    return Answer(text="too late")


async def test_jobs_still_queued_are_handed_to_the_bus_again(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    await world.say(world.bob, chat, "one")
    await world.queue_jobs()
    world.store.outbox.clear()  # the in-process bus forgot them: the process restarted
    bus = InMemoryBus()
    world.consumers.subscribe(bus)
    await bus.start()

    assert await world.consumers.requeue(bus) == 1
    await bus.join()
    await bus.stop()
    assert statuses(world) == [JobStatus.DONE]
    assert [m.ai_generated for m in await world.history(chat)] == [False, True]


async def test_a_holding_autoreply_tells_its_owner_what_is_still_theirs(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    world.provider.script = lambda prompt: Answer(
        text="Let me check and get back to you soon.",
        notice="Replied for you. They wrote: “Thursday?”",
    )
    await world.say(world.bob, chat, "Thursday?")
    await world.pump()

    *_, reply = await world.history(chat)
    assert (reply.text, reply.ai_generated) == ("Let me check and get back to you soon.", True)
    [notice] = world.frames_to(world.alice, "ai_advice")
    assert notice.frame is not None and notice.frame["kind"] == "notice"
    listed = await world.assistant.advice(user_id=world.alice, chat_id=chat, limit=10)
    assert [(a.kind, a.text) for a in listed.advice] == [
        ("notice", "Replied for you. They wrote: “Thursday?”")
    ]
    assert statuses(world) == [JobStatus.DONE]


async def test_a_scam_is_a_warning_and_nothing_is_sent(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    world.provider.script = lambda prompt: Answer(
        text="", notice="Looks like a scam.", alarm="scam"
    )
    await world.say(world.bob, chat, "send me the code")
    await world.pump()

    assert [m.text for m in await world.history(chat)] == ["send me the code"]
    [warning] = world.frames_to(world.alice, "ai_advice")
    assert warning.frame is not None and warning.frame["kind"] == "warning"


async def test_the_same_advice_is_not_pushed_twice_in_a_row(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="advice")
    world.provider.script = lambda prompt: Answer(text="Acknowledge it first.")
    await world.say(world.bob, chat, "this is the third time I'm writing")
    await world.say(world.bob, chat, "still nothing??")
    await world.pump()

    assert len(world.frames_to(world.alice, "ai_advice")) == 1
    assert sorted(statuses(world)) == sorted([JobStatus.DONE, JobStatus.DECLINED])
    await world.assistant.request_advice(user_id=world.alice, chat_id=chat)
    await world.pump()
    assert len(world.frames_to(world.alice, "ai_advice")) == 2  # asked for: given again


async def test_the_owners_voice_reaches_the_model(world: World) -> None:
    chat = await world.direct(world.alice, world.bob)
    await world.assistant.bind(user_id=world.alice, chat_id=chat, kind="autoreply")
    changed = await world.assistant.update_settings(
        user_id=world.alice, patch=AssistantSettingsPatch(gender="feminine")
    )
    assert (changed.gender, changed.address, changed.learn_style) == ("feminine", "auto", True)
    await world.say(world.bob, chat, "привет!")
    await world.pump()

    assert world.provider.prompts[-1].voice == Voice(gender="feminine")
    assert (await world.assistant.settings(user_id=world.bob)).gender == "neutral"
