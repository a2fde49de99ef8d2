"""OpenAIProvider against httpx.MockTransport: the request, retries, breaker and cleaning."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from hubbub.contexts.assistant.openai_prompts import (
    build_messages,
    clean_answer,
    recent_turns,
)
from hubbub.contexts.assistant.openai_provider import (
    CircuitOpen,
    OpenAIProvider,
    ProviderTimeout,
    RequestRejected,
)
from hubbub.contexts.assistant.ports import Answer, Prompt, ProviderError, Turn
from hubbub.contexts.assistant.voice import Voice

BASE_URL = "http://model.test/v1"
Handler = Callable[[httpx.Request], httpx.Response]


def completion(content: str | None) -> httpx.Response:
    message = {"role": "assistant", "content": content}
    return httpx.Response(200, json={"choices": [{"index": 0, "message": message}]})


def conversation(kind: str = "autoreply", **overrides: Any) -> Prompt:
    turns = (
        Turn("Bob", False, "hi Alice"),
        Turn("Alice", True, "hey!"),
        Turn("Bob", False, "are you coming tonight?"),
        Turn("Bob", False, "it starts at 8"),
    )
    fields: dict[str, Any] = {"kind": kind, "owner_name": "Alice", "turns": turns}
    return Prompt(**(fields | overrides))


def calls(outcome: str) -> float:
    labels = {"provider": "openai", "outcome": outcome}
    return REGISTRY.get_sample_value("hubbub_assistant_provider_calls_total", labels) or 0.0


class Recorder:
    """A MockTransport handler that replays scripted responses and records the requests."""

    def __init__(self, *script: httpx.Response | Exception) -> None:
        self.script = list(script)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        if isinstance(step, Exception):
            raise step
        return step

    def body(self, index: int = -1) -> dict[str, Any]:
        body: dict[str, Any] = json.loads(self.requests[index].content)
        return body


@asynccontextmanager
async def running(handler: Handler, **options: Any) -> AsyncIterator[OpenAIProvider]:
    settings: dict[str, Any] = {
        "base_url": BASE_URL,
        "model": "tiny-model",
        "retry_base_seconds": 0.001,
        "retry_max_seconds": 0.005,
        "transport": httpx.MockTransport(handler),
    }
    provider = OpenAIProvider(**(settings | options))
    await provider.start()
    try:
        yield provider
    finally:
        await provider.stop()


# The request


async def test_autoreply_request_speaks_as_the_owner() -> None:
    recorder = Recorder(completion("Yes, see you at 8!"))
    async with running(recorder) as provider:
        answer = await provider.answer(conversation())
    assert answer == Answer(text="Yes, see you at 8!")
    request = recorder.requests[0]
    assert request.method == "POST"
    assert str(request.url) == f"{BASE_URL}/chat/completions"
    assert "authorization" not in request.headers
    body = recorder.body()
    assert body["model"] == "tiny-model"
    assert body["max_tokens"] == 120
    assert body["temperature"] == pytest.approx(0.3)
    system, *chat = body["messages"]
    assert system["role"] == "system"
    assert "Alice" in system["content"] and "AI" in system["content"]
    # Bob's two last lines are merged: some local chat templates require alternation.
    assert chat == [
        {"role": "user", "content": "Bob: hi Alice"},
        {"role": "assistant", "content": "hey!"},
        {"role": "user", "content": "Bob: are you coming tonight?\nBob: it starts at 8"},
    ]


async def test_advice_request_is_one_transcript_with_memory_and_a_bearer_key() -> None:
    recorder = Recorder(completion("Confirm the time; Bob is waiting for a yes or no."))
    prompt = conversation("advice", memory=("Ask Bob what the plan is.",))
    async with running(recorder, api_key="sk-test") as provider:
        answer = await provider.answer(prompt)
    assert answer == Answer(text="Confirm the time; Bob is waiting for a yes or no.", reason=None)
    assert recorder.requests[0].headers["authorization"] == "Bearer sk-test"
    body = recorder.body()
    assert body["max_tokens"] == 160
    system, user = body["messages"]
    assert system["role"] == "system" and "advise Alice" in system["content"]
    assert user["role"] == "user"
    transcript = user["content"]
    assert "Bob: hi Alice\nAlice (owner): hey!\nBob: are you coming tonight?" in transcript
    assert "- Ask Bob what the plan is." in transcript
    assert transcript.rstrip().endswith("in the language of the conversation.")


def test_system_prompts_differ_per_kind() -> None:
    advice = build_messages(conversation("advice"))[0]["content"]
    autoreply = build_messages(conversation("autoreply"))[0]["content"]
    assert advice != autoreply
    assert "never address the other people" in advice
    assert "Never mention being an AI" in autoreply


def test_the_model_gets_the_same_rules_and_the_owners_voice() -> None:
    advice = build_messages(conversation("advice"))[0]["content"]
    assert "who said what" in advice and "Do not repeat your earlier advice" in advice
    neutral = build_messages(conversation("autoreply"))[0]["content"]
    assert "Never invent facts" in neutral and "will check and get back to them" in neutral
    assert "Avoid gendered forms in Alice's own words" in neutral
    voiced = conversation("autoreply", voice=Voice(gender="feminine", address="formal"))
    system = build_messages(voiced)[0]["content"]
    assert "Alice is a woman" in system and "formally" in system


def test_autoreply_messages_start_and_end_with_the_user() -> None:
    owner_only = conversation(turns=(Turn("Alice", True, "anyone up?"),))
    roles = [m["role"] for m in build_messages(owner_only)]
    assert roles == ["system", "user", "assistant", "user"]
    empty = build_messages(conversation(turns=()))
    assert [m["role"] for m in empty] == ["system", "user"]


def test_only_the_latest_turns_within_the_budget_are_sent() -> None:
    turns = tuple(Turn("Bob", False, f"line {i} " + "x" * 90) for i in range(50))
    kept = recent_turns(turns)
    assert len(kept) == 20 and kept[-1] == turns[-1] and kept[0] == turns[30]
    kept = recent_turns(turns, max_chars=1000)
    assert kept == list(turns[-9:])
    huge = (Turn("Bob", False, "y" * 10_000),)
    assert len(recent_turns(huge)[0].text) == 6000


async def test_the_prompt_budget_is_configurable() -> None:
    recorder = Recorder(completion("ok"))
    turns = tuple(Turn("Bob", False, f"line {i} " + "x" * 90) for i in range(50))
    async with running(recorder, max_prompt_chars=500) as provider:
        await provider.answer(conversation(turns=turns))
    _, user = recorder.body()["messages"]
    assert user["content"].count("Bob: line") == 4 and "Bob: line 49 " in user["content"]


# Retries


async def test_retries_5xx_429_and_connect_errors_then_succeeds() -> None:
    recorder = Recorder(
        httpx.Response(500, text="boom"),
        httpx.Response(429, json={"error": {"message": "slow down"}}, headers={"Retry-After": "9"}),
        httpx.ConnectError("refused"),
        completion("ok"),
    )
    async with running(recorder, max_attempts=4) as provider:
        answer = await provider.answer(conversation())
    assert answer == Answer(text="ok")
    assert len(recorder.requests) == 4  # Retry-After 9 s was capped by retry_max_seconds


async def test_a_4xx_is_not_retried() -> None:
    recorder = Recorder(httpx.Response(400, json={"error": {"message": "bad model name"}}))
    before = calls("error")
    async with running(recorder) as provider:
        with pytest.raises(ProviderError, match=r"HTTP 400.*bad model name"):
            await provider.answer(conversation())
    assert len(recorder.requests) == 1
    assert calls("error") == before + 1


async def test_gives_up_after_max_attempts() -> None:
    recorder = Recorder(httpx.Response(503, text="overloaded"))
    async with running(recorder, max_attempts=3) as provider:
        with pytest.raises(ProviderError, match=r"HTTP 503.*3 attempt"):
            await provider.answer(conversation())
    assert len(recorder.requests) == 3


async def test_a_timeout_is_retried_then_reported_as_a_timeout() -> None:
    recorder = Recorder(httpx.ReadTimeout("slow"))
    before = calls("timeout")
    async with running(recorder, max_attempts=2) as provider:
        with pytest.raises(ProviderTimeout, match="no answer"):
            await provider.answer(conversation())
    assert len(recorder.requests) == 2
    assert calls("timeout") == before + 1


async def test_a_server_that_never_answers_times_out() -> None:
    # MockTransport ignores timeouts: a real socket that accepts and stays silent does not.
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    provider = OpenAIProvider(
        base_url=f"http://127.0.0.1:{port}/v1",
        model="m",
        timeout_seconds=0.1,
        max_attempts=2,
        retry_base_seconds=0.001,
        retry_max_seconds=0.005,
    )
    await provider.start()
    try:
        started = asyncio.get_running_loop().time()
        with pytest.raises(ProviderTimeout, match=r"within 0\.1s"):
            await provider.answer(conversation())
        assert asyncio.get_running_loop().time() - started < 2
    finally:
        await provider.stop()
        server.close()
        await server.wait_closed()


async def test_a_malformed_body_is_an_error() -> None:
    recorder = Recorder(httpx.Response(200, json={"unexpected": True}))
    async with running(recorder) as provider:
        with pytest.raises(ProviderError, match="unexpected answer"):
            await provider.answer(conversation())
    assert len(recorder.requests) == 1


async def test_answer_before_start_is_an_error() -> None:
    provider = OpenAIProvider(
        base_url=BASE_URL, model="m", transport=httpx.MockTransport(Recorder())
    )
    with pytest.raises(ProviderError, match="not started"):
        await provider.answer(conversation())


# Circuit breaker


async def test_the_circuit_opens_fails_fast_then_recovers() -> None:
    recorder = Recorder(httpx.ConnectError("refused"))
    options = {"max_attempts": 2, "breaker_threshold": 2, "breaker_recovery_seconds": 0.2}
    before = calls("circuit_open")
    async with running(recorder, **options) as provider:
        for _ in range(2):
            with pytest.raises(ProviderError, match="cannot reach"):
                await provider.answer(conversation())
        assert len(recorder.requests) == 4  # each failed call spent its retries
        with pytest.raises(CircuitOpen, match="circuit open"):
            await provider.answer(conversation())
        assert len(recorder.requests) == 4  # refused without touching the network
        assert calls("circuit_open") == before + 1

        await asyncio.sleep(0.25)
        recorder.script = [completion("back")]
        assert await provider.answer(conversation()) == Answer(text="back")


async def test_a_rejected_request_does_not_trip_the_breaker() -> None:
    # A conversation too long for the model's context is that request's problem only.
    too_long = httpx.Response(400, json={"error": {"message": "maximum context length"}})
    recorder = Recorder(too_long)
    async with running(recorder, breaker_threshold=2) as provider:
        for _ in range(3):
            with pytest.raises(RequestRejected, match="maximum context length"):
                await provider.answer(conversation())
    assert len(recorder.requests) == 3


async def test_configuration_errors_do_trip_the_breaker() -> None:
    recorder = Recorder(httpx.Response(401, json={"error": {"message": "invalid api key"}}))
    async with running(recorder, breaker_threshold=2) as provider:
        for _ in range(2):
            with pytest.raises(ProviderError, match="invalid api key"):
                await provider.answer(conversation())
        with pytest.raises(CircuitOpen):
            await provider.answer(conversation())
    assert len(recorder.requests) == 2


async def test_declined_answers_do_not_trip_the_breaker() -> None:
    recorder = Recorder(completion("   "))
    async with running(recorder, breaker_threshold=1) as provider:
        for _ in range(3):
            assert await provider.answer(conversation()) is None
    assert len(recorder.requests) == 3


# The answer


@pytest.mark.parametrize("content", ["", "   \n", '""', "Alice:", None, "<think>hmm</think>"])
async def test_an_empty_answer_declines(content: str | None) -> None:
    before = calls("declined")
    async with running(Recorder(completion(content))) as provider:
        assert await provider.answer(conversation()) is None
    assert calls("declined") == before + 1


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ('  "Sure, see you at 8!"  ', "Sure, see you at 8!"),
        ("«Bien sûr»", "Bien sûr"),
        ("“On my way”", "On my way"),
        ("Alice: On my way", "On my way"),
        ("alice : on my way", "on my way"),
        ('Assistant: "Running late, sorry"', "Running late, sorry"),
        ('"Alice: Running late"', "Running late"),
        ("**Alice:** ok", "ok"),
        ("'Don't worry, it's fine'", "Don't worry, it's fine"),
        ('"Hi" she said, "bye"', '"Hi" she said, "bye"'),
        ("<think>they want a yes</think>\nYes!", "Yes!"),
        ("Bob: hi", "Bob: hi"),  # only the owner's name or the assistant's is an echo
    ],
)
def test_answer_cleaning(raw: str, clean: str) -> None:
    assert clean_answer(raw, "Alice") == clean


async def test_a_long_answer_is_cut_at_a_word_boundary() -> None:
    words = " ".join(f"word{i}" for i in range(1000))  # about 7000 characters
    async with running(Recorder(completion(words))) as provider:
        answer = await provider.answer(conversation())
    assert answer is not None
    assert len(answer.text) <= 4096
    assert answer.text.endswith("…")
    last = answer.text.removesuffix("…").split()[-1]
    assert last in words.split()
