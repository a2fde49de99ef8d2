"""Fan-out between gateway processes over Redis pub/sub.

One Redis channel per hubbub channel (`chat:<id>`, `user:<id>`), subscribed only while this
process has a local listener for it (the Hub decides), so a publish costs one PUBLISH whatever
the number of members or gateways.

Local listeners are served straight from `publish`, not through Redis: members connected to
the publishing gateway get their frames without the Redis hop, and keep getting them while
Redis is down. Each payload carries the publishing instance's id so that the copy coming
back from Redis is not delivered twice here.

Redis pub/sub is fire-and-forget: what is published while a subscriber is disconnected is
lost to it. That is acceptable by design: every message is durable before it is fanned out,
and clients catch up with `sync` (per-chat seqs make the gap visible).
"""

import asyncio
import contextlib

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from hubbub.infra.fanout.redis_publisher import PipelinedPublisher
from hubbub.infra.observability.metrics import FANOUT_PUBLISH_ERRORS, FANOUT_RECONNECTS
from hubbub.infra.redis import redis_pool
from hubbub.kernel.backoff import exponential_backoff
from hubbub.kernel.ports import FanoutListener

log = structlog.get_logger(__name__)

_SUBSCRIBE_CHUNK = 500


class RedisFanout:
    def __init__(
        self,
        url: str,
        *,
        instance: str,
        namespace: str = "hubbub",
        retry_seconds: float = 0.5,
        max_retry_seconds: float = 5.0,
    ) -> None:
        self._url = url
        self._origin = instance.encode()
        self._prefix = f"{namespace}:fanout:"
        # Every gateway always listens on its own control channel, so the subscriber
        # connection exists (and notices outages) even before the first client connects.
        self._control = f"{self._prefix}instance:{instance}"
        self._retry = retry_seconds
        self._max_retry = max_retry_seconds
        self._channels: set[str] = set()
        self._listener: FanoutListener | None = None
        self._redis: Redis | None = None
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._publisher: PipelinedPublisher | None = None
        self._connected = asyncio.Event()
        self._stopping = False

    async def start(self, listener: FanoutListener) -> None:
        self._stopping = False
        self._listener = listener
        self._redis = Redis.from_pool(redis_pool(self._url, max_connections=32))
        self._publisher = PipelinedPublisher(self._redis, pause_seconds=self._retry)
        self._publisher.start()
        self._reader = asyncio.create_task(self._read_forever(), name="fanout-redis-reader")

    async def stop(self) -> None:
        # The flag as well as the cancellation: on Python 3.11 a cancel that lands inside
        # redis-py's connect (asyncio.wait_for) can be swallowed, and the loop must end anyway.
        self._stopping = True
        if self._publisher is not None:
            await self._publisher.stop()
            self._publisher = None
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None
        await self._close_pubsub()
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None
        self._listener = None
        self._channels.clear()

    async def publish(self, channel: str, payload: bytes) -> None:
        if self._listener is not None and channel in self._channels:
            self._listener(channel, payload)
        if self._publisher is None:
            FANOUT_PUBLISH_ERRORS.inc()
            return
        self._publisher.publish(self._prefix + channel, self._origin + payload)

    async def subscribe(self, channel: str) -> None:
        if channel in self._channels:
            return
        self._channels.add(channel)
        await self._send_subscription("subscribe", channel)

    async def unsubscribe(self, channel: str) -> None:
        if channel not in self._channels:
            return
        self._channels.discard(channel)
        await self._send_subscription("unsubscribe", channel)

    async def ping(self) -> bool:
        if self._redis is None:
            return False
        try:
            return bool(await self._redis.ping())
        except Exception:
            return False

    async def wait_connected(self, within: float = 5.0) -> None:
        """Wait until the subscriber is connected (for tests)."""
        async with asyncio.timeout(within):
            await self._connected.wait()

    # -- the subscriber ---------------------------------------------------------------

    async def _send_subscription(self, command: str, channel: str) -> None:
        """Tell Redis now if connected; otherwise the reader resubscribes on reconnect."""
        pubsub = self._pubsub
        if pubsub is None or not self._connected.is_set():
            return
        try:
            if command == "subscribe":
                await pubsub.subscribe(self._prefix + channel)
            else:
                await pubsub.unsubscribe(self._prefix + channel)
        except Exception as exc:
            log.warning("fanout_subscription_failed", channel=channel, error=str(exc))

    async def _read_forever(self) -> None:
        failures = 0
        while not self._stopping:
            try:
                await self._connect()
                failures = 0
                await self._read()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                failures += 1
                delay = exponential_backoff(failures, base=self._retry, cap=self._max_retry)
                self._connected.clear()
                log.warning("fanout_subscriber_lost", error=str(exc), retry_in=delay)
                await self._close_pubsub()
                await asyncio.sleep(delay)
                FANOUT_RECONNECTS.inc()

    async def _connect(self) -> None:
        assert self._redis is not None
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        self._pubsub = pubsub
        await pubsub.subscribe(self._control)
        # Channels added from here on are sent by `subscribe` itself; the ones known so
        # far (all of them after a reconnect) are sent here, in chunks.
        self._connected.set()
        known = [self._prefix + c for c in self._channels]
        for start in range(0, len(known), _SUBSCRIBE_CHUNK):
            await pubsub.subscribe(*known[start : start + _SUBSCRIBE_CHUNK])
        log.info("fanout_subscribed", channels=len(known))

    async def _read(self) -> None:
        assert self._pubsub is not None
        prefix_length = len(self._prefix)
        origin_length = len(self._origin)
        while True:
            message = await self._pubsub.get_message(timeout=None)
            if message is None or message["type"] != "message":
                continue
            data: bytes = message["data"]
            if data[:origin_length] == self._origin:
                continue  # our own publish, already delivered locally
            channel = message["channel"].decode()[prefix_length:]
            if self._listener is not None and channel in self._channels:
                self._listener(channel, data[origin_length:])

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
