"""Group commit: concurrent callers share one flush (one transaction) without waiting for a
timer. While a flush runs, new submissions pile up and form the next batch, so the batch
size follows the load: one at a time when idle, hundreds under pressure."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class GroupCommitter(Generic[T, R]):
    def __init__(
        self,
        flush: Callable[[list[T]], Awaitable[list[R]]],
        *,
        max_batch: int = 256,
        linger_seconds: float = 0.0,
    ) -> None:
        self._flush = flush
        self._max_batch = max_batch
        # Background work that nobody waits for interactively (e.g. indexing) may wait a
        # moment for more items, trading latency for fewer transactions; sends never do.
        self._linger = linger_seconds
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> R:
        """Queue `item` for the next flush and wait for its own result (or exception)."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        # Shielded: a caller that goes away must not cancel a write other callers share.
        return await asyncio.shield(future)

    async def close(self) -> None:
        """Finish every write already submitted."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    async def _drain(self) -> None:
        if self._linger:
            await asyncio.sleep(self._linger)
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                results = await self._flush([item for item, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
