"""One Kafka consumer group's subscription to one topic: its poll loop, what it does when
partitions are revoked, the offset commits, and the dead-lettering of records whose handler
keeps failing. `KafkaBus` runs one of these per `subscribe`; the failure model is in `kafka`.
"""

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import structlog
from aiokafka import ConsumerRebalanceListener  # type: ignore[import-untyped]
from aiokafka.errors import CommitFailedError, IllegalStateError  # type: ignore[import-untyped]

from hubbub.infra.observability.metrics import BUS_DEAD_LETTERED
from hubbub.kernel.backoff import exponential_backoff
from hubbub.kernel.ports import BusHandler

if TYPE_CHECKING:
    from hubbub.infra.bus.kafka import KafkaBus

log = structlog.get_logger(__name__)

POLL_TIMEOUT_MS = 1000
RECONNECT_BASE_SECONDS = 0.5
"""The first pause after the broker failed us (joining the group, dead-lettering)."""
MAX_BACKOFF_SECONDS = 30.0
DEAD_LETTER_SUFFIX = ".dead"


@dataclass(frozen=True)
class ConsumerTuning:
    """How a `GroupConsumer` retries, batches and waits (see `KafkaBus` for each)."""

    max_attempts: int
    retry_base_seconds: float
    max_batch: int
    stop_timeout_seconds: float
    revoke_timeout_seconds: float


class GroupConsumer(ConsumerRebalanceListener):  # type: ignore[misc]
    """One subscription: a consumer of one topic in one group, run by its own task.

    Records are handled one at a time, each partition in offset order; `_handling` is held
    while a record is handled or offsets are committed, so a rebalance or `stop` can wait
    for the record in flight and then commit exactly what was handled.
    """

    def __init__(self, bus: "KafkaBus", topic: str, group: str, handler: BusHandler) -> None:
        self.topic = topic
        self.group = group
        self._bus = bus
        self._tuning = bus.tuning
        self._handler = handler
        self._dead_topic = bus.kafka_topic(topic) + DEAD_LETTER_SUFFIX
        self._task: asyncio.Task[None] | None = None
        self._consumer: Any = None
        self._handling = asyncio.Lock()
        self._wake = asyncio.Event()  # cuts retry/reconnect sleeps short on stop or revoke
        self._handled: dict[Any, int] = {}  # TopicPartition -> next offset to commit
        self._generation = 0  # bumped on every revoke: fetched batches before it are stale
        self._accepting = True  # False once a revoke gave up waiting for the record in flight
        self._stopping = False
        self._closing = False

    def start(self) -> None:
        if self._task is not None:
            return
        self._stopping = False
        self._task = asyncio.create_task(self._run(), name=f"bus:{self.topic}:{self.group}")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        # The loop checks `_stopping` before each record, so once the lock is free no
        # further record starts; a handler that will not finish is cancelled.
        try:
            async with asyncio.timeout(self._tuning.stop_timeout_seconds), self._handling:
                pass
        except TimeoutError:
            log.warning("bus_stop_cancels_handler", topic=self.topic, group=self.group)
        if not self._closing:
            task.cancel()  # out of the poll (or the stuck handler); `_run` then commits and closes
        await asyncio.wait({task})

    async def on_partitions_revoked(self, revoked: set[Any]) -> None:
        self._generation += 1
        self._wake.set()
        try:
            async with asyncio.timeout(self._tuning.revoke_timeout_seconds):
                await self._handling.acquire()
        except TimeoutError:
            # The record in flight will be redelivered to the partition's next owner.
            self._accepting = False
            log.warning("bus_revoke_while_handling", topic=self.topic, group=self.group)
            await self._commit()
            return
        try:
            await self._commit()
        finally:
            self._handling.release()

    async def on_partitions_assigned(self, assigned: set[Any]) -> None:
        log.info(
            "bus_partitions_assigned",
            topic=self.topic,
            group=self.group,
            partitions=sorted(tp.partition for tp in assigned),
        )

    async def _run(self) -> None:
        failures = 0
        while not self._stopping:
            consumer = self._bus.new_consumer(self.group)
            self._consumer = consumer
            try:
                await self._bus.ensure_topics([self.topic, self.topic + DEAD_LETTER_SUFFIX])
                await consumer.start()
                consumer.subscribe([self._bus.kafka_topic(self.topic)], listener=self)
                failures = 0
                await self._consume(consumer)
            except Exception as exc:
                failures += 1
                log.warning(
                    "bus_consumer_failed",
                    topic=self.topic,
                    group=self.group,
                    error=repr(exc),
                    retry_in=exponential_backoff(
                        failures, base=RECONNECT_BASE_SECONDS, cap=MAX_BACKOFF_SECONDS
                    ),
                )
            finally:
                self._closing = True  # `stop` must not cancel the commit and close below
                try:
                    await self._close(consumer)
                finally:
                    self._closing = False
            if not self._stopping:
                self._wake.clear()  # a stale wake-up (from a revoke) must not skip the pause
                await self._sleep(
                    exponential_backoff(
                        failures, base=RECONNECT_BASE_SECONDS, cap=MAX_BACKOFF_SECONDS
                    )
                )

    async def _consume(self, consumer: Any) -> None:
        while not self._stopping:
            batch = await consumer.getmany(
                timeout_ms=POLL_TIMEOUT_MS, max_records=self._tuning.max_batch
            )
            self._wake.clear()
            generation, self._accepting = self._generation, True
            for partition, records in batch.items():
                if not await self._handle_in_order(partition, records, generation):
                    break
            async with self._handling:
                await self._commit()

    async def _handle_in_order(self, partition: Any, records: list[Any], generation: int) -> bool:
        """Handle the records of one partition in order; False when cut short by a revoke/stop."""
        for record in records:
            async with self._handling:
                if self._stopping or self._generation != generation:
                    return False
                if not await self._deliver(record, generation):
                    return False
                if self._accepting:
                    self._handled[partition] = record.offset + 1
        return True

    async def _deliver(self, record: Any, generation: int) -> bool:
        """Handle with retries, then dead-letter; False if a revoke/stop interrupted it."""
        # Keys come from our producers, but a foreign one must not wedge the partition.
        key = record.key.decode(errors="replace") if record.key is not None else ""
        payload = record.value if record.value is not None else b""
        error: Exception | None = None
        for attempt in range(1, self._tuning.max_attempts + 1):
            try:
                await self._handler(key, payload)
                return True
            except Exception as exc:
                error = exc
                log.warning(
                    "bus_handler_failed",
                    topic=self.topic,
                    group=self.group,
                    key=key,
                    attempt=attempt,
                    exc_info=True,
                )
            if attempt < self._tuning.max_attempts and await self._interrupted(
                generation,
                exponential_backoff(
                    attempt, base=self._tuning.retry_base_seconds, cap=MAX_BACKOFF_SECONDS
                ),
            ):
                return False
        return await self._dead_letter(record, key, payload, error, generation)

    async def _dead_letter(
        self, record: Any, key: str, payload: bytes, error: Exception | None, generation: int
    ) -> bool:
        headers = [
            ("hubbub-group", self.group.encode()),
            ("hubbub-error", repr(error)[:1000].encode()),
            ("hubbub-origin", f"{record.topic}/{record.partition}/{record.offset}".encode()),
        ]
        failures = 0
        while True:
            try:
                await self._bus.send(self._dead_topic, key, payload, headers)
            except Exception as exc:
                failures += 1
                log.warning("bus_dead_letter_failed", topic=self.topic, error=repr(exc))
                if await self._interrupted(
                    generation,
                    exponential_backoff(
                        failures, base=RECONNECT_BASE_SECONDS, cap=MAX_BACKOFF_SECONDS
                    ),
                ):
                    return False
                continue
            BUS_DEAD_LETTERED.labels(topic=self.topic, group=self.group).inc()
            log.error(
                "bus_record_dead_lettered",
                topic=self.topic,
                group=self.group,
                key=key,
                error=repr(error),
                dead_letter_topic=self._dead_topic,
            )
            return True

    async def _commit(self) -> None:
        """Commit the handled offsets of the partitions still ours (caller holds `_handling`
        unless a revoke timed out)."""
        owned = self._consumer.assignment()
        offsets = {tp: offset for tp, offset in self._handled.items() if tp in owned}
        self._handled.clear()
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # The partitions moved on: their next owner redelivers from the last commit.
            log.info("bus_commit_after_rebalance", topic=self.topic, error=repr(exc))
        except Exception as exc:
            self._handled = offsets  # retried after the next batch
            log.warning("bus_commit_failed", topic=self.topic, group=self.group, error=repr(exc))

    async def _close(self, consumer: Any) -> None:
        try:
            async with asyncio.timeout(self._tuning.stop_timeout_seconds):
                await self._commit()
        except TimeoutError:
            log.warning("bus_commit_at_close_timed_out", topic=self.topic, group=self.group)
        finally:
            self._handled.clear()
            try:
                await consumer.stop()
            except Exception as exc:
                log.warning("bus_consumer_close_failed", topic=self.topic, error=repr(exc))

    async def _interrupted(self, generation: int, seconds: float) -> bool:
        """Sleep `seconds` unless a revoke or stop comes first; True if one did."""
        if not self._stopping and self._generation == generation:
            await self._sleep(seconds)
        return self._stopping or self._generation != generation

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
