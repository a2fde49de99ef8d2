"""Publishes to Redis in pipelines, in the order of the calls, off the caller's path.

A gateway's message writer fans out every message of a committed batch before acking it;
awaiting one PUBLISH round trip per message would make the writer wait N round trips per
batch. Instead `publish` queues the record and returns, and one task sends whatever has
queued up since its last round trip as one pipeline. Order is kept (one queue, one sender,
pipelines in order), which keeps each chat's frames in seq order for the other gateways.

Fan-out is best effort (messages are durable before they are fanned out, and clients catch
up with `sync`): when Redis fails, the pipeline in flight is counted as lost, publishing
pauses for a moment instead of paying a timeout per message, and a queue that would grow
past `max_pending` sheds the newest records.
"""

import asyncio
import contextlib
import time
from collections import deque

import structlog
from redis.asyncio import Redis

from hubbub.infra.observability.metrics import FANOUT_PUBLISH_ERRORS

log = structlog.get_logger(__name__)

MAX_PIPELINE = 512


class PipelinedPublisher:
    def __init__(self, redis: Redis, *, pause_seconds: float, max_pending: int = 20_000) -> None:
        self._redis = redis
        self._pause = pause_seconds
        self._max_pending = max_pending
        self._queue: deque[tuple[str, bytes]] = deque()
        self._queued = asyncio.Event()
        self._drained = asyncio.Event()  # set whenever the sender has emptied the queue
        self._down_until = 0.0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._send_forever(), name="fanout-redis-publisher")

    async def stop(self, *, within: float = 1.0) -> None:
        """Send what is queued (for at most `within` seconds), then stop."""
        if self._task is None:
            return
        if self._queue and time.monotonic() >= self._down_until:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(within):
                    await self._drained.wait()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        if self._queue:
            FANOUT_PUBLISH_ERRORS.inc(len(self._queue))
            self._queue.clear()

    def publish(self, channel: str, data: bytes) -> None:
        """Queue one PUBLISH; never blocks, never raises."""
        if time.monotonic() < self._down_until or len(self._queue) >= self._max_pending:
            FANOUT_PUBLISH_ERRORS.inc()
            return
        self._queue.append((channel, data))
        self._drained.clear()
        self._queued.set()

    async def _send_forever(self) -> None:
        while True:
            await self._queued.wait()
            self._queued.clear()
            while self._queue:
                count = min(len(self._queue), MAX_PIPELINE)
                batch = [self._queue.popleft() for _ in range(count)]
                await self._send(batch)
            self._drained.set()

    async def _send(self, batch: list[tuple[str, bytes]]) -> None:
        try:
            if len(batch) == 1:
                await self._redis.publish(*batch[0])
            else:
                pipe = self._redis.pipeline(transaction=False)
                for channel, data in batch:
                    pipe.publish(channel, data)
                await pipe.execute()
        except Exception as exc:
            FANOUT_PUBLISH_ERRORS.inc(len(batch))
            self._down_until = time.monotonic() + self._pause
            log.warning("fanout_publish_failed", records=len(batch), error=str(exc))
