"""Consuming one partition stream of the Redis Streams bus while this consumer leases it:
take over what earlier owners left pending, then read new entries, hand each to the handler
(retried, then dead-lettered) and ack what was handled. Which partitions are leased, and
when, is `redis_streams_consumer.Subscription`'s job.
"""

import asyncio
import contextlib
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import ResponseError

from hubbub.infra.bus.redis_streams_scripts import PRUNE_CONSUMERS
from hubbub.infra.observability.metrics import BUS_DEAD_LETTERED
from hubbub.kernel.backoff import exponential_backoff
from hubbub.kernel.ports import BusHandler

log = structlog.get_logger(__name__)

RECONNECT_BASE_SECONDS = 0.2
"""The first pause after Redis failed us; the pauses then double, up to a cap."""

Entry = tuple[bytes, dict[bytes, bytes]]
"""A stream entry as redis-py returns it: (id, fields)."""


@dataclass(frozen=True)
class Tuning:
    """How a subscription leases, reads, retries and stops (see `RedisStreamsBus`)."""

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
class Lease:
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


def entries_of(reply: Any) -> list[Entry]:
    """The entries of a one-stream XREADGROUP reply, whichever protocol the URL asked for:
    RESP2 `[[stream, entries]]`, RESP3 `{stream: [entries]}`, or nothing when it timed out."""
    if not reply:
        return []
    if isinstance(reply, dict):
        (entries,) = next(iter(reply.values()))
    else:
        ((_stream, entries),) = reply
    return list(entries)


class PartitionConsumer:
    """Handles, for one (topic, group) of one consumer, whichever partition it is given a
    lease on; one `consume` call per lease, each in the lease's own task."""

    def __init__(
        self,
        redis: Redis,
        tuning: Tuning,
        *,
        topic: str,
        group: str,
        consumer: str,
        handler: BusHandler,
        dead_letters: str,
        log_context: Mapping[str, str],
    ) -> None:
        """Args:
        consumer: this consumer's name in the streams' consumer group `group`.
        dead_letters: the stream that keeps the entries given up on.
        log_context: added to every log line.
        """
        self._redis = redis
        self._t = tuning
        self._topic = topic
        self._group = group
        self._consumer = consumer
        self._handler = handler
        self._dead = dead_letters
        self._log_context = log_context
        self._prune = redis.register_script(PRUNE_CONSUMERS)

    async def consume(self, lease: Lease) -> None:
        """Handle one partition while the lease is held: first what earlier owners left
        pending, then new entries. Redis errors are logged and retried with backoff."""
        caught_up = False
        failures = 0
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
                delay = exponential_backoff(failures, base=RECONNECT_BASE_SECONDS, cap=5.0)
                log.warning(
                    "bus_partition_failed",
                    partition=lease.partition,
                    error=str(exc),
                    retry_in=delay,
                    **self._log_context,
                )
                await asyncio.sleep(delay)

    async def _take_over(self, lease: Lease) -> None:
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

    async def _read_new(self, lease: Lease) -> list[Entry]:
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
        return entries_of(reply)

    async def _handle_batch(self, lease: Lease, entries: list[Entry]) -> None:
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

    async def _ack(self, lease: Lease, entry_ids: list[bytes]) -> None:
        if entry_ids:
            await self._redis.xack(lease.stream, self._group, *entry_ids)

    async def _deliver(self, lease: Lease, entry_id: bytes, fields: dict[bytes, bytes]) -> bool:
        """Run the handler, retrying with backoff, and dead-letter the entry when it keeps
        failing. False when the lease ends before it succeeded (the entry stays pending)."""
        if not fields or b"k" not in fields or b"v" not in fields:  # trimmed, or not ours
            log.error("bus_entry_malformed", entry_id=entry_id.decode(), **self._log_context)
            return True
        key, payload = fields[b"k"].decode(), fields[b"v"]
        error: Exception | None = None
        for attempt in range(1, self._t.max_attempts + 1):
            if attempt > 1:
                # The number of attempts bounds these pauses, hence no cap.
                await asyncio.sleep(
                    exponential_backoff(attempt - 1, base=self._t.retry_base_seconds, cap=math.inf)
                )
                if not lease.held():
                    return False
            try:
                await self._handler(key, payload)
                return True
            except Exception as exc:
                error = exc
                log.exception("bus_handler_failed", key=key, attempt=attempt, **self._log_context)
        await self._dead_letter(lease, entry_id, key, payload, error)
        return True

    async def _dead_letter(
        self,
        lease: Lease,
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
            **self._log_context,
        )
