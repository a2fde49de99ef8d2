"""OpenAIProvider against a real OpenAI-compatible server: llama-cpp-python + SmolLM2-135M.

The model is tiny, so only the shape of its answers is asserted, never their wording. The
server is installed by `scripts/install-model-server.sh`; when it cannot be, these tests
fail (they are never skipped).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from hubbub.contexts.assistant.openai_prompts import clean_answer
from hubbub.contexts.assistant.openai_provider import CircuitOpen, OpenAIProvider
from hubbub.contexts.assistant.ports import Answer, Prompt, ProviderError, Turn
from model_server import ModelServer, model_server

LUNCH = (
    Turn("Bob", False, "Hi Alice! Are you free for lunch tomorrow?"),
    Turn("Alice", True, "Maybe, what time?"),
    Turn("Bob", False, "How about 12:30 at the Italian place on Main Street?"),
)
ECHOED_ROLE = re.compile(r"^\W*(alice|assistant|ai|bob)\s*:", re.IGNORECASE)


class CountingTransport(httpx.AsyncBaseTransport):
    """The real HTTP transport, counting the attempts the provider makes."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.requests = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


@pytest.fixture(scope="module")
def llama(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelServer]:
    """One model server for the module (it loads in about a second)."""
    with model_server(tmp_path_factory.mktemp("llama") / "server.log") as server:
        yield server


def make_provider(base_url: str, **options: Any) -> OpenAIProvider:
    settings: dict[str, Any] = {
        "base_url": base_url,
        "model": "smollm2-135m-instruct",  # a single-model server answers whatever it is named
        "timeout_seconds": 30.0,
        "advice_max_tokens": 48,
        "reply_max_tokens": 32,
        "temperature": 0.0,  # greedy: the same answer on every run
    }
    return OpenAIProvider(**(settings | options))


def assert_chat_text(answer: Answer | None) -> str:
    assert answer is not None, "the model declined to answer"
    text = answer.text
    assert isinstance(text, str)
    assert text and text == text.strip()
    assert len(text) <= 4096
    assert not ECHOED_ROLE.match(text), text
    assert clean_answer(text, "Alice") == text  # already clean
    return text


async def test_advice_from_the_real_model(llama: ModelServer) -> None:
    provider = make_provider(llama.base_url)
    await provider.start()
    try:
        prompt = Prompt("advice", "Alice", LUNCH, memory=("Ask Bob where and when.",))
        answer = await provider.answer(prompt)
    finally:
        await provider.stop()
    assert_chat_text(answer)
    assert answer is not None and answer.reason is None


async def test_autoreply_from_the_real_model(llama: ModelServer) -> None:
    provider = make_provider(llama.base_url)
    await provider.start()
    try:
        answer = await provider.answer(Prompt("autoreply", "Alice", LUNCH))
    finally:
        await provider.stop()
    assert_chat_text(answer)


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[ModelServer]:
    """A server this test may stop."""
    with model_server(tmp_path / "server.log") as server:
        yield server


async def test_a_stopped_server_fails_after_bounded_retries_then_fast(
    own_server: ModelServer,
) -> None:
    transport = CountingTransport()
    provider = make_provider(
        own_server.base_url,
        max_attempts=3,
        retry_base_seconds=0.05,
        retry_max_seconds=0.2,
        breaker_threshold=1,
        breaker_recovery_seconds=60.0,
        transport=transport,
    )
    await provider.start()
    try:
        assert_chat_text(await provider.answer(Prompt("autoreply", "Alice", LUNCH)))
        own_server.stop()
        before = transport.requests

        started = time.monotonic()
        with pytest.raises(ProviderError, match="cannot reach"):
            await provider.answer(Prompt("autoreply", "Alice", LUNCH))
        assert transport.requests == before + 3
        assert time.monotonic() - started < 5

        started = time.monotonic()
        with pytest.raises(CircuitOpen):
            await provider.answer(Prompt("advice", "Alice", LUNCH))
        assert transport.requests == before + 3  # the breaker refused without a request
        assert time.monotonic() - started < 0.5
    finally:
        await provider.stop()
