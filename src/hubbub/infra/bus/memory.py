"""In-process bus: consumed by the same handlers that a broker would feed. Like the brokers, a
topic has partitions (a record goes to the partition of its key, `crc32(key) % partitions`)
and each group consumes every partition with a task of its own, so one key's records are
handled in order while different keys are handled side by side (a slow assistant job does
not hold up another member's). A handler that raises gets the record again (a bounded number
of times, with backoff), and every group sees every record."""

import asyncio
import contextlib
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import structlog

from hubbub.infra.observability.metrics import BUS_DEAD_LETTERED
from hubbub.kernel.ports import BusHandler, BusRecord

log = structlog.get_logger(__name__)


@dataclass
class _Group:
    topic: str
    name: str
    handler: BusHandler
    queues: list[asyncio.Queue[tuple[str, bytes]]]
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class InMemoryBus:
    def __init__(
        self, *, partitions: int = 8, max_attempts: int = 5, retry_base_seconds: float = 0.05
    ) -> None:
        self._groups: dict[str, list[_Group]] = defaultdict(list)
        self._partitions = partitions
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._running = False

    async def start(self) -> None:
        self._running = True
        for groups in self._groups.values():
            for group in groups:
                self._start_group(group)

    async def stop(self) -> None:
        self._running = False
        for groups in self._groups.values():
            for group in groups:
                await self._drain(group)

    async def publish(self, topic: str, key: str, payload: bytes) -> None:
        groups = self._groups.get(topic)
        if not groups:
            return
        partition = zlib.crc32(key.encode()) % self._partitions
        for group in groups:
            group.queues[partition].put_nowait((key, payload))

    async def publish_many(self, records: Sequence[BusRecord]) -> None:
        for topic, key, payload in records:
            await self.publish(topic, key, payload)

    def subscribe(self, topic: str, group: str, handler: BusHandler) -> None:
        queues: list[asyncio.Queue[tuple[str, bytes]]] = [
            asyncio.Queue() for _ in range(self._partitions)
        ]
        entry = _Group(topic=topic, name=group, handler=handler, queues=queues)
        self._groups[topic].append(entry)
        if self._running:
            self._start_group(entry)

    def groups(self, topic: str) -> list[str]:
        """The consumer groups subscribed to `topic` (what a role wired, for checks)."""
        return [group.name for group in self._groups.get(topic, ())]

    async def ping(self) -> bool:
        return True

    async def join(self) -> None:
        """Wait until every queued record has been handled (for tests and shutdown)."""
        for groups in list(self._groups.values()):
            for group in groups:
                for queue in group.queues:
                    await queue.join()

    def _start_group(self, group: _Group) -> None:
        group.tasks = [
            asyncio.create_task(
                self._consume(group, queue), name=f"bus:{group.topic}:{group.name}:{n}"
            )
            for n, queue in enumerate(group.queues)
        ]

    async def _drain(self, group: _Group) -> None:
        if not group.tasks:
            return
        try:
            async with asyncio.timeout(5):
                for queue in group.queues:
                    await queue.join()
        except TimeoutError:
            log.warning("bus_stop_with_pending", topic=group.topic, group=group.name)
        for task in group.tasks:
            task.cancel()
        for task in group.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        group.tasks = []

    async def _consume(self, group: _Group, queue: asyncio.Queue[tuple[str, bytes]]) -> None:
        while True:
            key, payload = await queue.get()
            try:
                await self._handle(group, key, payload)
            finally:
                queue.task_done()

    async def _handle(self, group: _Group, key: str, payload: bytes) -> None:
        for attempt in range(1, self._max_attempts + 1):
            try:
                await group.handler(key, payload)
                return
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception(
                    "bus_handler_failed", topic=group.topic, group=group.name, attempt=attempt
                )
                await asyncio.sleep(self._retry_base * 2 ** (attempt - 1))
        BUS_DEAD_LETTERED.labels(topic=group.topic, group=group.name).inc()
        log.error("bus_record_dead_lettered", topic=group.topic, group=group.name, key=key)
