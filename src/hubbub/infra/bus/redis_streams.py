"""The durable bus on Redis Streams (Redis >= 7), for deployments of several processes.

Keys, for topic T of namespace N with P partitions and a consumer group G:

- `N:bus:T:p` (p = 0..P-1): one stream per partition. A record goes to partition
  crc32(key) % P, so every record of a key sits in one stream, in publish order.
- `N:bus-lease:T:G:p`: the consumer of G that owns partition p (a string with a TTL).
- `N:bus-members:T:G`: the live consumers of G (ZSET, score = heartbeat expiry, in ms).
- `N:bus-dead:T`: records given up on, with the group that gave up and the error.

Why leases: a Redis consumer group hands each entry to whichever consumer reads first, so two
consumers reading one stream would handle records of one key concurrently, out of order. A
lease lets one consumer at a time read a partition (what a Kafka partition assignment does):
each consumer holds at most its fair share, ceil(P / live members), and gives extras back when
members join, which spreads the partitions over the group. A partition is handled one entry
at a time, which is what keeps records of a key in order.

Delivery is at-least-once: an entry is acked after its handler returned, so entries a consumer
read but did not finish stay pending, and whoever takes the partition next claims and handles
them (XAUTOCLAIM) before reading anything newer.

Publishers and consumers of a topic must agree on P.

This module is the bus itself (publishing, subscribing, health); a subscription's membership
and leases are in `redis_streams_consumer`, the handling of a leased partition in
`redis_streams_partition`, and the Lua scripts in `redis_streams_scripts`.
"""

import asyncio
import os
import secrets
import socket
import zlib
from collections.abc import Sequence

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from hubbub.infra.bus.redis_streams_consumer import Subscription
from hubbub.infra.bus.redis_streams_partition import Tuning
from hubbub.kernel.ports import BusHandler, BusRecord


def partition_of(key: str, partitions: int) -> int:
    """The partition of `key`: stable across processes and restarts (unlike `hash`)."""
    return zlib.crc32(key.encode()) % partitions


class RedisStreamsBus:
    """At-least-once, per-key ordered delivery to consumer groups, on Redis Streams."""

    def __init__(
        self,
        url: str,
        *,
        namespace: str = "hubbub",
        partitions: int = 8,
        consumer: str | None = None,
        lease_seconds: float = 10.0,
        batch_size: int = 100,
        block_ms: int = 2000,
        max_attempts: int = 5,
        retry_base_seconds: float = 0.1,
        stop_timeout_seconds: float = 5.0,
        max_stream_length: int = 1_000_000,
    ) -> None:
        if partitions < 1 or max_attempts < 1 or batch_size < 1:
            raise ValueError("partitions, max_attempts and batch_size must be at least 1")
        self.namespace = namespace
        self.consumer = consumer or f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.tuning = Tuning(
            partitions=partitions,
            lease_seconds=lease_seconds,
            batch_size=batch_size,
            block_ms=block_ms,
            max_attempts=max_attempts,
            retry_base_seconds=retry_base_seconds,
            stop_timeout_seconds=stop_timeout_seconds,
        )
        self._max_length = max_stream_length
        # No transparent retries: a XREADGROUP resent after a lost reply would skip the
        # entries of the lost reply (they would wait in our pending list while newer ones
        # are handled). Every caller handles errors itself. The socket timeout must outlast
        # a blocking read.
        self.redis = Redis.from_url(
            url,
            socket_connect_timeout=2.0,
            socket_timeout=block_ms / 1000 + 3.0,
            health_check_interval=15,
            retry=Retry(NoBackoff(), 0),
        )
        self._subscriptions: dict[tuple[str, str], Subscription] = {}
        self._running = False

    def stream(self, topic: str, partition: int) -> str:
        return f"{self.namespace}:bus:{topic}:{partition}"

    async def start(self) -> None:
        if self._running:
            return
        self._running = True
        for subscription in self._subscriptions.values():
            subscription.start()

    async def stop(self) -> None:
        self._running = False
        await asyncio.gather(*(s.stop() for s in self._subscriptions.values()))
        await self.redis.aclose()

    async def publish(self, topic: str, key: str, payload: bytes) -> None:
        """XADD to the key's partition; raises when Redis is unreachable (the caller retries).
        How durable "accepted" is depends on the server's persistence (appendfsync)."""
        stream = self.stream(topic, partition_of(key, self.tuning.partitions))
        await self.redis.xadd(
            stream, {"k": key, "v": payload}, maxlen=self._max_length, approximate=True
        )

    async def publish_many(self, records: Sequence[BusRecord]) -> None:
        """One round trip for the lot: XADDs pipelined (not a transaction: each append stands
        alone, and a failure midway means the caller publishes everything again)."""
        if not records:
            return
        pipe = self.redis.pipeline(transaction=False)
        for topic, key, payload in records:
            stream = self.stream(topic, partition_of(key, self.tuning.partitions))
            pipe.xadd(stream, {"k": key, "v": payload}, maxlen=self._max_length, approximate=True)
        await pipe.execute()

    def subscribe(self, topic: str, group: str, handler: BusHandler) -> None:
        if (topic, group) in self._subscriptions:
            raise ValueError(f"group {group!r} already subscribed to {topic!r} on this bus")
        subscription = Subscription(self, topic, group, handler)
        self._subscriptions[topic, group] = subscription
        if self._running:
            subscription.start()

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(2.0):
                return bool(await self.redis.ping())
        except Exception:
            return False
