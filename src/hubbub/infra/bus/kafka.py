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

This module holds the bus (producer, topics, health); each subscription's consumer loop is
`kafka_consumer.GroupConsumer`.
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # type: ignore[import-untyped]
from aiokafka.admin import AIOKafkaAdminClient, NewTopic  # type: ignore[import-untyped]
from aiokafka.errors import TopicAlreadyExistsError, for_code  # type: ignore[import-untyped]

from hubbub.infra.bus.kafka_consumer import ConsumerTuning, GroupConsumer
from hubbub.kernel.ports import BusHandler, BusRecord

log = structlog.get_logger(__name__)


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
        self.tuning = ConsumerTuning(
            max_attempts=max_attempts,
            retry_base_seconds=retry_base_seconds,
            max_batch=max_batch,
            stop_timeout_seconds=stop_timeout_seconds,
            revoke_timeout_seconds=min(stop_timeout_seconds, session_timeout_ms / 2000),
        )
        self._subscriptions: dict[tuple[str, str], GroupConsumer] = {}
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
            await self.ensure_topics([s.topic for s in self._subscriptions.values()])
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
        await self.send(self.kafka_topic(topic), key, payload)

    async def publish_many(self, records: Sequence[BusRecord]) -> None:
        """Hand every record to the producer, then wait for all the acks: the producer batches
        them per partition and keeps each partition's (each key's) order."""
        if not records:
            return
        names = [self.kafka_topic(topic) for topic, _, _ in records]
        await self.ensure_topics(names, qualified=True)
        producer = await self._ready_producer()
        try:
            acks = [
                await producer.send(name, payload, key=key.encode())
                for name, (_, key, payload) in zip(names, records, strict=True)
            ]
            await asyncio.gather(*acks)
        except Exception:
            self._known_topics.difference_update(names)  # as in send: check them again
            raise

    def subscribe(self, topic: str, group: str, handler: BusHandler) -> None:
        if (topic, group) in self._subscriptions:
            # A second consumer in the same group would take half of the partitions away
            # from the first handler instead of seeing every record.
            raise ValueError(f"group {group!r} already subscribes to {topic!r} on this bus")
        consumer = GroupConsumer(self, topic, group, handler)
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

    async def send(
        self,
        kafka_topic: str,
        key: str,
        payload: bytes,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> None:
        """Produce one record and wait for the broker's acknowledgement (all in-sync replicas)."""
        await self.ensure_topics([kafka_topic], qualified=True)
        producer = await self._ready_producer()
        try:
            await producer.send_and_wait(kafka_topic, payload, key=key.encode(), headers=headers)
        except Exception:
            # Check the topic again next time: a broker that lost it (a memory-only one
            # restarted) would otherwise never see it created.
            self._known_topics.discard(kafka_topic)
            raise

    async def ensure_topics(self, topics: list[str], *, qualified: bool = False) -> None:
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

    def new_consumer(self, group: str) -> Any:
        """A consumer in our group `group` that commits only what it is told to."""
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
