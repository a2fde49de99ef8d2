"""Kafka bus on aiokafka: one consumer per subscription (topic, group), records keyed so that
one key stays on one partition and is handled in order, offsets committed only for records
whose handler returned.

Failure model (at-least-once; handlers are idempotent):
- a handler that raises gets the record again with backoff, a bounded number of times, then
  the record goes to `<topic>.dead` and the partition moves on;
- on a rebalance the partitions are committed up to the last handled record before they go,
  so the new owner starts right after it; a member that dies uncommitted has its records
  redelivered to the next owner;
- an unreachable broker never crashes the process: consumers retry with backoff, `publish`
  raises (the outbox relay retries later) and `ping` answers False.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from aiokafka import (  # type: ignore[import-untyped]
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
)
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # type: ignore[import-untyped]
from aiokafka.errors import (  # type: ignore[import-untyped]
    CommitFailedError,
    IllegalStateError,
    TopicAlreadyExistsError,
    for_code,
)

from hubbub.infra.observability.metrics import BUS_DEAD_LETTERED
from hubbub.kernel.ports import BusHandler, BusRecord

log = structlog.get_logger(__name__)

POLL_TIMEOUT_MS = 1000
MAX_BACKOFF_SECONDS = 30.0
DEAD_LETTER_SUFFIX = ".dead"


def backoff(base_seconds: float, failures: int) -> float:
    """Exponential backoff after `failures` consecutive failures (1, 2, ...), capped."""
    return float(min(base_seconds * 2 ** (failures - 1), MAX_BACKOFF_SECONDS))


class KafkaBus:
    """The durable bus on a Kafka-protocol broker (Apache Kafka, Redpanda, Tansu).

    Topics are `<namespace>.<topic>` and groups `<namespace>.<group>`, created on first use
    with `partitions` partitions (the ceiling on parallel members of one group).
    """

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        namespace: str = "hubbub",
        partitions: int = 8,
        replication_factor: int | None = None,
        max_attempts: int = 5,
        retry_base_seconds: float = 0.2,
        session_timeout_ms: int = 10_000,
        heartbeat_interval_ms: int = 3_000,
        request_timeout_ms: int = 10_000,
        max_batch: int = 100,
        stop_timeout_seconds: float = 10.0,
        ping_timeout_seconds: float = 2.0,
        client_id: str = "hubbub",
    ) -> None:
        """Args:
        replication_factor: for created topics; by default min(3, brokers in the cluster).
        max_attempts: handler calls per record before it is dead-lettered.
        max_batch: records handled between two offset commits (at most redelivered on a crash).
        stop_timeout_seconds: how long `stop` waits for an in-flight handler; a rebalance
            waits at most half a session (the group does not wait longer for this member).
        """
        self.namespace = namespace
        self._bootstrap = bootstrap_servers
        self._partitions = partitions
        self._replication_factor = replication_factor
        self._client_id = client_id
        self._request_timeout_ms = request_timeout_ms
        self._ping_timeout = ping_timeout_seconds
        self._consumer_options: dict[str, Any] = {
            "session_timeout_ms": session_timeout_ms,
            "heartbeat_interval_ms": heartbeat_interval_ms,
        }
        self._max_attempts = max_attempts
        self._retry_base = retry_base_seconds
        self._max_batch = max_batch
        self._stop_timeout = stop_timeout_seconds
        self._revoke_timeout = min(stop_timeout_seconds, session_timeout_ms / 2000)
        self._subscriptions: dict[tuple[str, str], _GroupConsumer] = {}
        self._producer: Any = None
        self._admin: Any = None
        self._producer_lock = asyncio.Lock()
        self._admin_lock = asyncio.Lock()
        self._known_topics: set[str] = set()
        self._running = False

    def kafka_topic(self, topic: str) -> str:
        """The Kafka name of one of our topics."""
        return f"{self.namespace}.{topic}"

    async def start(self) -> None:
        self._running = True
        try:
            await self._ensure_topics([s.topic for s in self._subscriptions.values()])
            await self._ready_producer()
        except Exception as exc:  # consumers and `publish` keep trying on their own
            log.warning("bus_unreachable_at_start", servers=self._bootstrap, error=repr(exc))
        for consumer in self._subscriptions.values():
            consumer.start()

    async def stop(self) -> None:
        """Let in-flight handlers finish (bounded), commit, then close every client."""
        self._running = False
        await asyncio.gather(*(c.stop() for c in self._subscriptions.values()))
        producer, self._producer = self._producer, None
        if producer is not None:
            await producer.stop()
        admin, self._admin = self._admin, None
        if admin is not None:
            await admin.close()
        self._known_topics.clear()

    async def publish(self, topic: str, key: str, payload: bytes) -> None:
        await self._send(self.kafka_topic(topic), key, payload)

    async def publish_many(self, records: Sequence[BusRecord]) -> None:
        """Hand every record to the producer, then wait for all the acks: the producer batches
        them per partition and keeps each partition's (each key's) order."""
        if not records:
            return
        names = [self.kafka_topic(topic) for topic, _, _ in records]
        await self._ensure_topics(names, qualified=True)
        producer = await self._ready_producer()
        try:
            acks = [
                await producer.send(name, payload, key=key.encode())
                for name, (_, key, payload) in zip(names, records, strict=True)
            ]
            await asyncio.gather(*acks)
        except Exception:
            self._known_topics.difference_update(names)  # as in _send: check them again
            raise

    def subscribe(self, topic: str, group: str, handler: BusHandler) -> None:
        if (topic, group) in self._subscriptions:
            # A second consumer in the same group would take half of the partitions away
            # from the first handler instead of seeing every record.
            raise ValueError(f"group {group!r} already subscribes to {topic!r} on this bus")
        consumer = _GroupConsumer(self, topic, group, handler)
        self._subscriptions[topic, group] = consumer
        if self._running:
            consumer.start()

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(self._ping_timeout):
                async with self._admin_lock:
                    admin = await self._ready_admin()
                await admin.describe_cluster()
        except Exception:
            return False
        return True

    async def _send(
        self,
        kafka_topic: str,
        key: str,
        payload: bytes,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        """Produce one record and wait for the broker's acknowledgement (all in-sync replicas)."""
        await self._ensure_topics([kafka_topic], qualified=True)
        producer = await self._ready_producer()
        try:
            await producer.send_and_wait(kafka_topic, payload, key=key.encode(), headers=headers)
        except Exception:
            # Check the topic again next time: a broker that lost it (a memory-only one
            # restarted) would otherwise never see it created.
            self._known_topics.discard(kafka_topic)
            raise

    async def _ensure_topics(self, topics: list[str], *, qualified: bool = False) -> None:
        """Create the missing ones among `topics` (ours, or Kafka names when `qualified`)."""
        names = topics if qualified else [self.kafka_topic(t) for t in topics]
        missing = [n for n in dict.fromkeys(names) if n not in self._known_topics]
        if not missing:
            return
        async with self._admin_lock:
            admin = await self._ready_admin()
            replicas = self._replication_factor
            if replicas is None:
                replicas = min(3, len((await admin.describe_cluster())["brokers"]))
            response = await admin.create_topics(
                [NewTopic(name, self._partitions, replicas) for name in missing]
            )
            for name, code, *_ in response.topic_errors:
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise for_code(code)(f"cannot create topic {name}")
            self._known_topics.update(missing)

    def _new_consumer(self, group: str) -> Any:
        return AIOKafkaConsumer(
            bootstrap_servers=self._bootstrap,
            client_id=self._client_id,
            group_id=f"{self.namespace}.{group}",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            **self._consumer_options,
        )

    async def _ready_producer(self) -> Any:
        async with self._producer_lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    client_id=self._client_id,
                    acks="all",
                    enable_idempotence=False,  # not supported by every broker (Tansu)
                    request_timeout_ms=self._request_timeout_ms,
                )
                await _start_or_close(producer.start, producer.stop)
                self._producer = producer
            return self._producer

    async def _ready_admin(self) -> Any:
        if self._admin is None:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self._bootstrap,
                client_id=self._client_id,
                request_timeout_ms=self._request_timeout_ms,
            )
            await _start_or_close(admin.start, admin.close)
            self._admin = admin
        return self._admin


async def _start_or_close(
    start: Callable[[], Awaitable[None]], close: Callable[[], Awaitable[None]]
) -> None:
    """Start an aiokafka client, closing it again if that fails (no sockets left open)."""
    try:
        await start()
    except BaseException:
        await close()
        raise


class _GroupConsumer(ConsumerRebalanceListener):  # type: ignore[misc]
    """One subscription: a consumer of one topic in one group, run by its own task.

    Records are handled one at a time, each partition in offset order; `_handling` is held
    while a record is handled or offsets are committed, so a rebalance or `stop` can wait
    for the record in flight and then commit exactly what was handled.
    """

    def __init__(self, bus: KafkaBus, topic: str, group: str, handler: BusHandler) -> None:
        self.topic = topic
        self.group = group
        self._bus = bus
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
            async with asyncio.timeout(self._bus._stop_timeout), self._handling:
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
            async with asyncio.timeout(self._bus._revoke_timeout):
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
            consumer = self._bus._new_consumer(self.group)
            self._consumer = consumer
            try:
                await self._bus._ensure_topics([self.topic, self.topic + DEAD_LETTER_SUFFIX])
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
                    retry_in=backoff(0.5, failures),
                )
            finally:
                self._closing = True  # `stop` must not cancel the commit and close below
                try:
                    await self._close(consumer)
                finally:
                    self._closing = False
            if not self._stopping:
                self._wake.clear()  # a stale wake-up (from a revoke) must not skip the pause
                await self._sleep(backoff(0.5, failures))

    async def _consume(self, consumer: Any) -> None:
        while not self._stopping:
            batch = await consumer.getmany(
                timeout_ms=POLL_TIMEOUT_MS, max_records=self._bus._max_batch
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
        for attempt in range(1, self._bus._max_attempts + 1):
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
            if attempt < self._bus._max_attempts and await self._interrupted(
                generation, backoff(self._bus._retry_base, attempt)
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
                await self._bus._send(self._dead_topic, key, payload, headers)
            except Exception as exc:
                failures += 1
                log.warning("bus_dead_letter_failed", topic=self.topic, error=repr(exc))
                if await self._interrupted(generation, backoff(0.5, failures)):
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
            async with asyncio.timeout(self._bus._stop_timeout):
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
