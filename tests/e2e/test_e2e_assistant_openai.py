"""The whole pipeline on a real OpenAI-compatible model: `hubbub serve` with
HUBBUB_AI_PROVIDER=openai in front of llama-cpp-python's server running SmolLM2-135M.

The model is tiny: only the shape of what it says is asserted, never the wording."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from e2e_api import API, bearer, bind, direct_chat, expect, http_client, new_user
from e2e_server import ServerProcess, running_server
from e2e_ws import open_ws

from model_server import ModelServer, model_server

ANSWER_WAIT = 60.0  # a CPU-only model writing a few sentences, on a busy test machine


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModelServer]:
    with model_server(tmp_path_factory.mktemp("model") / "llama.log") as server:
        yield server


@pytest.fixture
def hubbub_on_model(model: ModelServer, tmp_path: Path) -> Iterator[ServerProcess]:
    env = {
        "HUBBUB_AI_PROVIDER": "openai",
        "HUBBUB_AI_BASE_URL": model.base_url,
        "HUBBUB_AI_MODEL": "smollm2-135m-instruct",
        "HUBBUB_AI_TIMEOUT_SECONDS": "30",
    }
    with running_server(tmp_path / "data", env=env) as server:
        yield server


@pytest.mark.timeout(150)
async def test_advice_and_autoreply_come_from_the_real_model(
    hubbub_on_model: ServerProcess,
) -> None:
    server = hubbub_on_model
    async with http_client(server.base_url) as http:
        _, alice_token = await new_user(http, "llm")
        bob, bob_token = await new_user(http, "llm")
        chat = (await direct_chat(http, alice_token, bob["id"]))["id"]
        await bind(http, alice_token, chat, "advice")
        await bind(http, bob_token, chat, "autoreply")
        async with open_ws(server.ws_url, alice_token) as alice_ws:
            text = "Hi Bob! Are you free for lunch tomorrow at 12:30?"
            await alice_ws.send(
                {"type": "message", "chat_id": chat, "text": text, "request_id": "q"}
            )
            await alice_ws.recv("message_sent", request_id="q")
            reply = (await alice_ws.recv("new_message", wait=ANSWER_WAIT))["message"]
            assert (reply["sender_id"], reply["ai_generated"]) == (bob["id"], True)
            assert reply["text"].strip() and len(reply["text"]) <= 4096
            # Bob's AI reply is from another member, but AI-generated: Alice's advice binding
            # must not react to it; only Bob's human message below gets advice.
            await http.post(
                f"{API}/chats/{chat}/messages",
                json={"text": "Sorry, I might be 15 minutes late."},
                headers=bearer(bob_token),
            )
            advice = await alice_ws.recv("ai_advice", wait=ANSWER_WAIT)
            assert advice["text"].strip()

        listed = expect(
            await http.get(f"{API}/chats/{chat}/advice", headers=bearer(alice_token)), 200
        )
        assert [a["id"] for a in listed["advice"]] == [advice["advice_id"]]
        metrics = (await http.get("/metrics")).text
        assert 'hubbub_assistant_provider_calls_total{outcome="ok",provider="openai"}' in metrics
