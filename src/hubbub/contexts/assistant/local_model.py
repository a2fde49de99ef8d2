"""The offline model of this process: Smart Reply on the shared embedder, loaded and
exercised at start-up, before the process reports ready.

Loading reads the banks and the shipped index (trigger vectors and intent head), loads the
embedding model, and then answers one advice and one reply, so that the first real message
finds everything warm. It runs on a daemon thread (a server stopped while it loads exits at
once); `/readyz` reports `assistant_model: loading` until it is done. Calls run on a thread
of their own too: the embedding engine is C code that releases the GIL, so the event loop
(and every chat message) keeps moving while the model thinks.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import structlog

from hubbub.contexts.assistant.conversation import Line
from hubbub.contexts.assistant.ports import ProviderError
from hubbub.contexts.assistant.smart_reply import SmartReply
from hubbub.kernel.ports import Embedder

log = structlog.get_logger(__name__)
T = TypeVar("T")
WARM_UP = (
    [Line(from_owner=False, text="Can we move our call to Thursday?")],
    [Line(from_owner=False, text="Спасибо большое за помощь!")],
)


class LocalModel:
    """One SmartReply per process, shared by the safety guard and the offline provider."""

    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._thread: ThreadPoolExecutor | None = None
        self._model: asyncio.Future[SmartReply] | None = None

    @property
    def state(self) -> str:
        """ "ok" once loaded and exercised, "loading" before, "error" if loading failed."""
        if self._model is None or not self._model.done():
            return "loading"
        if self._model.cancelled() or self._model.exception() is not None:
            return "error"
        return "ok"

    async def start(self) -> None:
        """Begin loading in the background (idempotent)."""
        if self._model is not None:
            return
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

    async def run(self, call: Callable[[SmartReply], T]) -> T:
        """`call(model)` on the model's thread, once it is loaded; ProviderError otherwise."""
        if self._model is None or self._thread is None:
            raise ProviderError("the offline assistant is not started")
        try:
            model = await asyncio.shield(self._model)
        except Exception as exc:
            raise ProviderError(f"the offline model failed to load: {exc}") from exc
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._thread, call, model)
        except Exception as exc:
            raise ProviderError(f"the offline model failed: {exc}") from exc


def _load(
    loop: asyncio.AbstractEventLoop, future: asyncio.Future[SmartReply], embedder: Embedder
) -> None:
    """Build and exercise the model on this (daemon) thread, then hand it to the loop."""
    settle: Callable[[Any], None]
    started = time.perf_counter()
    try:
        model = SmartReply(embedder)
        for lines in WARM_UP:
            model.advise(lines)
            model.reply(lines)
        outcome: Any = model
        settle = future.set_result
        log.info(
            "assistant_model_ready",
            seconds=round(time.perf_counter() - started, 2),
            precomputed_index=model.precomputed,
        )
    except Exception as exc:
        outcome, settle = exc, future.set_exception

    def deliver() -> None:
        if not future.done():  # not cancelled by a stop in the meantime
            settle(outcome)

    with contextlib.suppress(RuntimeError):  # the loop is closed: the server has stopped
        loop.call_soon_threadsafe(deliver)
