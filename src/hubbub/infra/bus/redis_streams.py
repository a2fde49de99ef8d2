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
"""

import asyncio
import contextlib
import math
import os
import secrets
import socket
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ResponseError

from hubbub.infra.observability.metrics import BUS_DEAD_LETTERED
from hubbub.kernel.ports import BusHandler, BusRecord

log = structlog.get_logger(__name__)

# Server time, so that consumers on hosts with skewed clocks agree on who is alive; the ZSET
# expires with its last member. Returns how many members are alive, this one included.
_HEARTBEAT = """
local now = redis.call('TIME')
local now_ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
redis.call('ZADD', KEYS[1], now_ms + tonumber(ARGV[2]), ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now_ms)
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
return redis.call('ZCARD', KEYS[1])
"""

# Take a free lease, or refresh one this consumer still holds (after a restart under the same
# name, or when renewals failed for a while): 1 when the caller owns the lease afterwards.
_CLAIM = """
local owner = redis.call('GET', KEYS[1])
if owner == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if owner then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""

# Renew only a lease the caller still holds: one that expired and was taken by another
# consumer must not be taken back behind its back.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
"""

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# Consumers stay in a stream's group until deleted, and every process start adds new names.
# The new owner of a partition, once it claimed every pending entry, deletes the others: it is
# atomic, so a consumer is deleted only while it holds no pending entry, and nothing is lost.
_PRUNE_CONSUMERS = """
local pruned = 0
for _, consumer in ipairs(redis.call('XINFO', 'CONSUMERS', KEYS[1], ARGV[1])) do
  local info = {}
  for i = 1, #consumer, 2 do info[consumer[i]] = consumer[i + 1] end
  if info['name'] ~= ARGV[2] and info['pending'] == 0 then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], info['name'])
    pruned = pruned + 1
  end
end
return pruned
"""

Entry = tuple[bytes, dict[bytes, bytes]]
"""A stream entry as redis-py returns it: (id, fields)."""


def partition_of(key: str, partitions: int) -> int:
    """The partition of `key`: stable across processes and restarts (unlike `hash`)."""
    return zlib.crc32(key.encode()) % partitions


@dataclass(frozen=True)
class _Tuning:
    partitions: int
    lease_seconds: float
    batch_size: int
    block_ms: int
    max_attempts: int
    retry_base_seconds: float
    stop_timeout_seconds: float

    @property
    def lease_ms(self) -> int:
        return int(self.lease_seconds * 1000)

    @property
    def heartbeat_seconds(self) -> float:
        # Two heartbeats may fail before a lease lapses.
        return self.lease_seconds / 3


@dataclass(eq=False)
class _Lease:
    """A partition this consumer owns, and the task handling it."""

    partition: int
    stream: str
    key: str
    valid_until: float
    """`time.monotonic()` after which the lease may have expired in Redis: stop handling."""
    give_back: asyncio.Event = field(default_factory=asyncio.Event)
    reading: bool = False
    """Waiting on XREADGROUP: cancelling the task then costs no handler work."""
    task: asyncio.Task[None] | None = None

    def held(self) -> bool:
        return not self.give_back.is_set() and time.monotonic() < self.valid_until

    def end(self) -> None:
        """Stop after the entry being handled; at once if only waiting for new entries."""
        self.give_back.set()
        if self.reading and self.task is not None:
            self.task.cancel()


def _entries_of(reply: Any) -> list[Entry]:
    """The entries of a one-stream XREADGROUP reply, whichever protocol the URL asked for:
    RESP2 `[[stream, entries]]`, RESP3 `{stream: [entries]}`, or nothing when it timed out."""
    if not reply:
        return []
    if isinstance(reply, dict):
        (entries,) = next(iter(reply.values()))
    else:
        ((_stream, entries),) = reply
    return list(entries)


def _backoff(failures: int, *, cap: float) -> float:
    return float(min(cap, 0.1 * 2 ** min(failures, 10)))


class _Subscription:
    """One (topic, group, handler) of one consumer: leases its share of the partitions and
    runs one task per owned partition."""

    def __init__(
        self,
        bus: "RedisStreamsBus",
        topic: str,
        group: str,
        handler: BusHandler,
    ) -> None:
        self._redis = bus.redis
        self._t = bus.tuning
        self._consumer = bus.consumer
        self._topic = topic
        self._group = group
        self._handler = handler
        self._streams = [bus.stream(topic, p) for p in range(self._t.partitions)]
        self._lease_keys = [
            f"{bus.namespace}:bus-lease:{topic}:{group}:{p}" for p in range(self._t.partitions)
        ]
        self._members = f"{bus.namespace}:bus-members:{topic}:{group}"
        self._dead = f"{bus.namespace}:bus-dead:{topic}"
        self._heartbeat = bus.redis.register_script(_HEARTBEAT)
        self._claim = bus.redis.register_script(_CLAIM)
        self._renew = bus.redis.register_script(_RENEW)
        self._release = bus.redis.register_script(_RELEASE)
        self._prune = bus.redis.register_script(_PRUNE_CONSUMERS)
        self._leases: dict[int, _Lease] = {}
        self._coordinator: asyncio.Task[None] | None = None
        self._stopping = False
        # Consumers try partitions in different orders, so they rarely race for one lease.
        first = zlib.crc32(self._consumer.encode()) % self._t.partitions
        self._preference = [(first + i) % self._t.partitions for i in range(self._t.partitions)]

    def _log_context(self) -> dict[str, Any]:
        return {"topic": self._topic, "group": self._group, "consumer": self._consumer}

    def start(self) -> None:
        self._stopping = False
        self._coordinator = asyncio.create_task(
            self._coordinate(), name=f"bus:{self._topic}:{self._group}"
        )

    async def stop(self) -> None:
        """Stop reading, let the handlers in flight finish (bounded), release the leases."""
        if self._coordinator is None:
            return
        # The coordinator keeps renewing the leases while the handlers finish, and takes none.
        self._stopping = True
        leases = list(self._leases.values())
        workers = {lease.task for lease in leases if lease.task is not None}
        deadline = time.monotonic() + self._t.stop_timeout_seconds
        late = set(workers)
        while late and time.monotonic() < deadline:
            # Again and again: on Python 3.11 a cancellation that lands while redis-py sends
            # the XREADGROUP is swallowed by its `wait_for`, and the read then blocks.
            for lease in leases:
                lease.end()
            _, late = await asyncio.wait(late, timeout=0.05)
        for task in late:
            # Its entry stays pending: the next owner of the partition handles it again.
            log.warning("bus_stop_abandoned_handler", **self._log_context())
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
        self._coordinator.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._coordinator
        self._coordinator = None
        try:
            # Leaving at once lets the others take the partitions now, not at expiry.
            await self._redis.zrem(self._members, self._consumer)
        except Exception as exc:
            log.warning("bus_leave_failed", error=str(exc), **self._log_context())

    # --- Membership and leases -----------------------------------------------------------

    async def _coordinate(self) -> None:
        """Heartbeat, renew leases, take or give back partitions; forever, Redis or not."""
        failures = 0
        while True:
            try:
                await self._rebalance()
                failures = 0
                delay = self._t.heartbeat_seconds
            except Exception as exc:
                failures += 1
                delay = _backoff(failures, cap=self._t.heartbeat_seconds)
                log.warning(
                    "bus_coordination_failed",
                    error=str(exc),
                    retry_in=delay,
                    **self._log_context(),
                )
            await asyncio.sleep(delay)

    async def _rebalance(self) -> None:
        owned = list(self._leases.values())
        asked_at = time.monotonic()
        async with self._redis.pipeline(transaction=False) as pipe:
            await self._heartbeat(
                keys=[self._members], args=[self._consumer, self._t.lease_ms], client=pipe
            )
            for lease in owned:
                await self._renew(
                    keys=[lease.key], args=[self._consumer, self._t.lease_ms], client=pipe
                )
            live, *renewed = await pipe.execute()
        for lease, ok in zip(owned, renewed, strict=True):
            if ok:
                lease.valid_until = asked_at + self._t.lease_seconds
            elif lease.held():
                log.warning("bus_partition_lost", partition=lease.partition, **self._log_context())
            if not ok or lease.give_back.is_set():
                lease.end()  # (again, if an earlier cancellation of its read was swallowed)
        if self._stopping:
            return
        share = math.ceil(self._t.partitions / max(int(live), 1))
        kept = sorted(
            (lease for lease in self._leases.values() if not lease.give_back.is_set()),
            key=lambda lease: lease.partition,
        )
        for extra in kept[share:]:
            extra.end()  # a member joined: its task releases the lease once it is done
        for partition in self._preference:
            if len(self._leases) >= share:
                break
            if partition not in self._leases:
                await self._try_to_own(partition)

    async def _try_to_own(self, partition: int) -> None:
        asked_at = time.monotonic()
        key = self._lease_keys[partition]
        if not await self._claim(keys=[key], args=[self._consumer, self._t.lease_ms]):
            return
        if self._stopping:  # stop() began while we waited for Redis: hand it straight back
            await self._release(keys=[key], args=[self._consumer])
            return
        lease = _Lease(
            partition=partition,
            stream=self._streams[partition],
            key=key,
            valid_until=asked_at + self._t.lease_seconds,
        )
        self._leases[partition] = lease
        lease.task = asyncio.create_task(
            self._consume(lease), name=f"bus:{self._topic}:{self._group}:{partition}"
        )

    async def _let_go(self, lease: _Lease) -> None:
        try:
            await self._release(keys=[lease.key], args=[self._consumer])
        except Exception as exc:  # it expires on its own
            log.warning("bus_lease_release_failed", error=str(exc), **self._log_context())
        finally:
            if self._leases.get(lease.partition) is lease:
                del self._leases[lease.partition]

    # --- One owned partition -------------------------------------------------------------

    async def _consume(self, lease: _Lease) -> None:
        """Handle one partition while the lease is held: first what earlier owners left
        pending, then new entries. Redis errors are logged and retried with backoff."""
        caught_up = False
        failures = 0
        try:
            while lease.held():
                try:
                    if not caught_up:
                        await self._take_over(lease)
                        caught_up = True
                    else:
                        await self._handle_batch(lease, await self._read_new(lease))
                    failures = 0
                except Exception as exc:
                    # Entries read but not acked stay pending: take the partition over again,
                    # so they are handled before anything newer (that keeps per-key order).
                    caught_up = False
                    failures += 1
                    delay = _backoff(failures, cap=5.0)
                    log.warning(
                        "bus_partition_failed",
                        partition=lease.partition,
                        error=str(exc),
                        retry_in=delay,
                        **self._log_context(),
                    )
                    await asyncio.sleep(delay)
        finally:
            await self._let_go(lease)

    async def _take_over(self, lease: _Lease) -> None:
        """Join the group (at the start of the stream), then claim and handle every pending
        entry in id order: we hold the lease, so whoever read them is gone."""
        try:
            await self._redis.xgroup_create(lease.stream, self._group, id="0", mkstream=True)
        except ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        cursor: bytes | str = "0-0"
        while lease.held():
            cursor, entries, *_ = await self._redis.xautoclaim(
                lease.stream,
                self._group,
                self._consumer,
                min_idle_time=0,
                start_id=cursor,
                count=self._t.batch_size,
            )
            await self._handle_batch(lease, entries)
            if cursor in (b"0-0", "0-0"):
                await self._prune(keys=[lease.stream], args=[self._group, self._consumer])
                return

    async def _read_new(self, lease: _Lease) -> list[Entry]:
        lease.reading = True
        try:
            reply = await self._redis.xreadgroup(
                self._group,
                self._consumer,
                {lease.stream: ">"},
                count=self._t.batch_size,
                block=self._t.block_ms,
            )
        finally:
            lease.reading = False
        return _entries_of(reply)

    async def _handle_batch(self, lease: _Lease, entries: list[Entry]) -> None:
        """Handle entries one at a time, then ack the handled ones in one XACK."""
        handled: list[bytes] = []
        try:
            for entry_id, fields in entries:
                if not lease.held() or not await self._deliver(lease, entry_id, fields):
                    break
                handled.append(entry_id)
        except BaseException:
            # Cancelled (stop) or Redis failed: still ack what was handled, if Redis lets us.
            with contextlib.suppress(Exception):
                await self._ack(lease, handled)
            raise
        await self._ack(lease, handled)

    async def _ack(self, lease: _Lease, entry_ids: list[bytes]) -> None:
        if entry_ids:
            await self._redis.xack(lease.stream, self._group, *entry_ids)

    async def _deliver(self, lease: _Lease, entry_id: bytes, fields: dict[bytes, bytes]) -> bool:
        """Run the handler, retrying with backoff, and dead-letter the entry when it keeps
        failing. False when the lease ends before it succeeded (the entry stays pending)."""
        if not fields or b"k" not in fields or b"v" not in fields:  # trimmed, or not ours
            log.error("bus_entry_malformed", entry_id=entry_id.decode(), **self._log_context())
            return True
        key, payload = fields[b"k"].decode(), fields[b"v"]
        error: Exception | None = None
        for attempt in range(1, self._t.max_attempts + 1):
            if attempt > 1:
                await asyncio.sleep(self._t.retry_base_seconds * 2 ** (attempt - 2))
                if not lease.held():
                    return False
            try:
                await self._handler(key, payload)
                return True
            except Exception as exc:
                error = exc
                log.exception("bus_handler_failed", key=key, attempt=attempt, **self._log_context())
        await self._dead_letter(lease, entry_id, key, payload, error)
        return True

    async def _dead_letter(
        self,
        lease: _Lease,
        entry_id: bytes,
        key: str,
        payload: bytes,
        error: Exception | None,
    ) -> None:
        await self._redis.xadd(
            self._dead,
            {
                "k": key,
                "v": payload,
                "group": self._group,
                "stream": lease.stream,
                "id": entry_id,
                "error": repr(error),
            },
            maxlen=100_000,
            approximate=True,
        )
        BUS_DEAD_LETTERED.labels(topic=self._topic, group=self._group).inc()
        log.error(
            "bus_record_dead_lettered",
            key=key,
            entry_id=entry_id.decode(),
            attempts=self._t.max_attempts,
            **self._log_context(),
        )


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
        self.tuning = _Tuning(
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
        self._subscriptions: dict[tuple[str, str], _Subscription] = {}
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
        subscription = _Subscription(self, topic, group, handler)
        self._subscriptions[topic, group] = subscription
        if self._running:
            subscription.start()

    async def ping(self) -> bool:
        try:
            async with asyncio.timeout(2.0):
                return bool(await self.redis.ping())
        except Exception:
            return False
