"""One subscription of the Redis Streams bus: this consumer's membership in a group, and the
leases through which it takes its fair share of the topic's partitions (or gives some back).
Each leased partition is consumed by `redis_streams_partition.PartitionConsumer` in a task of
its own. Why leases, and the key layout, are explained in `redis_streams`.
"""

import asyncio
import math
import time
import zlib
from typing import TYPE_CHECKING

import structlog

from hubbub.infra.bus.redis_streams_partition import (
    RECONNECT_BASE_SECONDS,
    Lease,
    PartitionConsumer,
)
from hubbub.infra.bus.redis_streams_scripts import CLAIM, HEARTBEAT, RELEASE, RENEW
from hubbub.kernel.backoff import exponential_backoff
from hubbub.kernel.ports import BusHandler

if TYPE_CHECKING:
    from hubbub.infra.bus.redis_streams import RedisStreamsBus

log = structlog.get_logger(__name__)


class Subscription:
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
        self._log_context = {"topic": topic, "group": group, "consumer": bus.consumer}
        self._partitions = PartitionConsumer(
            bus.redis,
            bus.tuning,
            topic=topic,
            group=group,
            consumer=bus.consumer,
            handler=handler,
            dead_letters=f"{bus.namespace}:bus-dead:{topic}",
            log_context=self._log_context,
        )
        self._streams = [bus.stream(topic, p) for p in range(self._t.partitions)]
        self._lease_keys = [
            f"{bus.namespace}:bus-lease:{topic}:{group}:{p}" for p in range(self._t.partitions)
        ]
        self._members = f"{bus.namespace}:bus-members:{topic}:{group}"
        self._heartbeat = bus.redis.register_script(HEARTBEAT)
        self._claim = bus.redis.register_script(CLAIM)
        self._renew = bus.redis.register_script(RENEW)
        self._release = bus.redis.register_script(RELEASE)
        self._leases: dict[int, Lease] = {}
        self._coordinator: asyncio.Task[None] | None = None
        self._stopping = False
        # Consumers try partitions in different orders, so they rarely race for one lease.
        first = zlib.crc32(self._consumer.encode()) % self._t.partitions
        self._preference = [(first + i) % self._t.partitions for i in range(self._t.partitions)]

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
        for _ in late:
            # Its entry stays pending: the next owner of the partition handles it again.
            log.warning("bus_stop_abandoned_handler", **self._log_context)
        await self._cancel_until_done({*late, self._coordinator})
        for task in workers:
            if task.done() and not task.cancelled():
                task.exception()  # retrieved: a failure at stop is not news for the loop
        self._coordinator = None
        try:
            # Leaving at once lets the others take the partitions now, not at expiry.
            await self._redis.zrem(self._members, self._consumer)
        except Exception as exc:
            log.warning("bus_leave_failed", error=str(exc), **self._log_context)

    async def _cancel_until_done(self, tasks: set[asyncio.Task[None]]) -> None:
        """Cancel `tasks` and wait for them, cancelling again while any is left (the redis-py
        read above can swallow one cancellation), for at most `stop_timeout_seconds`: a stop
        never hangs on a task that will not end."""
        pending = {task for task in tasks if not task.done()}
        deadline = time.monotonic() + self._t.stop_timeout_seconds
        while pending and time.monotonic() < deadline:
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=0.05)
        if pending:
            log.warning("bus_stop_tasks_left_running", count=len(pending), **self._log_context)

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
                delay = exponential_backoff(
                    failures, base=RECONNECT_BASE_SECONDS, cap=self._t.heartbeat_seconds
                )
                log.warning(
                    "bus_coordination_failed",
                    error=str(exc),
                    retry_in=delay,
                    **self._log_context,
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
                log.warning("bus_partition_lost", partition=lease.partition, **self._log_context)
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
        lease = Lease(
            partition=partition,
            stream=self._streams[partition],
            key=key,
            valid_until=asked_at + self._t.lease_seconds,
        )
        self._leases[partition] = lease
        lease.task = asyncio.create_task(
            self._own(lease), name=f"bus:{self._topic}:{self._group}:{partition}"
        )

    async def _own(self, lease: Lease) -> None:
        """Consume the partition while the lease holds, then give the lease back."""
        try:
            await self._partitions.consume(lease)
        finally:
            await self._let_go(lease)

    async def _let_go(self, lease: Lease) -> None:
        try:
            await self._release(keys=[lease.key], args=[self._consumer])
        except Exception as exc:  # it expires on its own
            log.warning("bus_lease_release_failed", error=str(exc), **self._log_context)
        finally:
            if self._leases.get(lease.partition) is lease:
                del self._leases[lease.partition]
