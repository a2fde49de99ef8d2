"""Presence shared by every gateway through Redis: online ⇔ a live connection anywhere.

Layout (all keys under `{ns}:presence:`):

- `user:{user_id}`: ZSET, member = gateway instance id, score = when that gateway's claim
  expires (unix milliseconds). The user is online ⇔ some member has a score in the future.
- `instance:{instance}`: SET of the users this gateway holds, so that whoever cleans up
  after the gateway knows which user ZSETs to visit.
- `instances`: ZSET, member = gateway instance id, score = its heartbeat expiry.

Cost model: the process counts its own connections per user, and only its 0→1 and 1→0
transitions reach Redis, each as one atomic Lua script that also answers "did the user just
come online / go offline *anywhere*". A second tab of the same user on the same gateway costs
no Redis call at all. A background heartbeat pushes every expiry forward (one script per
chunk of users), and a sweep retires gateways whose heartbeat expired: their users go offline
within ttl + sweep seconds, announced exactly once because only one sweeper can claim a dead
gateway. (A gateway that was only frozen for longer than the ttl is retired like a dead
one; its next heartbeat puts its users back, silently.)

Every expiry is computed from the Redis server's clock (`TIME` inside the scripts), never
from the gateway's: a gateway whose clock lags cannot look dead to the others, and one whose
clock runs ahead cannot keep its users online after it died.

The scripts touch keys they derive from set members (the users of an instance), so this
adapter needs a single Redis (or a primary with replicas), not Redis Cluster.

Fail open: Redis trouble in `connect`/`disconnect` is logged and reported as "no
transition", and `online_among` falls back to the users connected to this very gateway.
Because heartbeats re-assert everything this gateway holds, the shared state heals by itself
after a Redis restart or flush, within one heartbeat.

The Lua scripts live in `redis_scripts`; `turns` keeps one user's transitions in order.
"""

import asyncio
from collections.abc import Awaitable, Callable
from uuid import UUID

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from hubbub.infra.presence.redis_scripts import (
    CONNECT,
    DISCONNECT,
    EXPIRED_INSTANCES,
    HEARTBEAT,
    LIVE_COUNTS,
    RETIRE,
)
from hubbub.infra.presence.turns import TurnsPerUser
from hubbub.infra.redis import redis_ping
from hubbub.kernel.ports import OfflineListener

log = structlog.get_logger(__name__)

REDIS_DOWN = (RedisError, OSError)
"""What an unreachable, slow or restarting Redis raises through redis-py."""

_CHUNK = 500
"""Users per heartbeat / lookup script: long enough to amortise the round trip, short enough
not to block Redis (single-threaded) for more than a fraction of a millisecond."""

_DEAD_PER_SWEEP = 100


class RedisPresence:
    """Presence for one gateway process among many sharing a Redis."""

    def __init__(
        self,
        redis: Redis,
        *,
        instance: str,
        namespace: str = "hubbub",
        ttl_seconds: float = 45.0,
        heartbeat_seconds: float = 15.0,
        sweep_seconds: float = 5.0,
    ) -> None:
        if not 0 < heartbeat_seconds < ttl_seconds:
            # Otherwise a live gateway's claims would lapse between two heartbeats.
            raise ValueError("heartbeat_seconds must be positive and below ttl_seconds")
        self._redis = redis
        self._instance = instance
        self._ttl_ms = round(ttl_seconds * 1000)
        self._heartbeat_seconds = heartbeat_seconds
        self._sweep_seconds = sweep_seconds
        prefix = f"{namespace}:presence:"
        self._user_prefix = f"{prefix}user:"
        self._instance_prefix = f"{prefix}instance:"
        self._instances_key = f"{prefix}instances"
        self._connections: dict[UUID, int] = {}  # user -> open connections on this gateway
        self._turns = TurnsPerUser()
        self._connect = redis.register_script(CONNECT)
        self._disconnect = redis.register_script(DISCONNECT)
        self._heartbeat = redis.register_script(HEARTBEAT)
        self._live_counts = redis.register_script(LIVE_COUNTS)
        self._expired_instances = redis.register_script(EXPIRED_INSTANCES)
        self._retire = redis.register_script(RETIRE)
        self._on_offline: OfflineListener | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, on_offline: OfflineListener) -> None:
        self._on_offline = on_offline
        self._tasks = [
            asyncio.create_task(
                self._every(self._heartbeat_seconds, self.heartbeat), name="presence-heartbeat"
            ),
            asyncio.create_task(
                self._every(self._sweep_seconds, self._sweep), name="presence-sweep"
            ),
        ]

    async def stop(self) -> None:
        """Stop heartbeating and withdraw this gateway's claims.

        Its users who thereby go offline get no event from here: the gateway announced them
        when it closed their sockets. The Redis client is shared, so it stays open.
        """
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        try:
            await self._retire(
                keys=[self._instances_key, self._users_of(self._instance)],
                args=[self._instance, self._user_prefix, "0"],
            )
        except REDIS_DOWN as exc:
            _log_failure("stop", exc)
        self._connections.clear()

    async def connect(self, user_id: UUID) -> bool:
        count = self._connections.get(user_id, 0) + 1
        self._connections[user_id] = count
        if count > 1:
            return False  # already held here: nothing changes anywhere
        async with self._turns.of(user_id):
            return await _or_no_transition("connect", self._claim(user_id))

    async def disconnect(self, user_id: UUID) -> bool:
        count = self._connections.get(user_id, 0)
        if count == 0:
            return False
        if count > 1:
            self._connections[user_id] = count - 1
            return False
        del self._connections[user_id]
        async with self._turns.of(user_id):
            return await _or_no_transition("disconnect", self._release(user_id))

    async def online_among(self, user_ids: set[UUID]) -> set[UUID]:
        if not user_ids:
            return set()
        try:
            online: set[UUID] = set()
            for chunk in _chunks(list(user_ids)):
                counts = await self._live_counts(keys=[self._user_key(u) for u in chunk])
                online.update(u for u, live in zip(chunk, counts, strict=True) if int(live))
            return online
        except REDIS_DOWN as exc:
            _log_failure("online_among", exc)
            # Degraded but not blind: users connected right here are certainly online.
            return {u for u in user_ids if u in self._connections}

    async def ping(self) -> bool:
        return await redis_ping(self._redis)

    async def heartbeat(self) -> None:
        """Push forward the expiry of this gateway and of every user it holds.

        Re-creating rather than only extending is what makes presence heal after Redis lost
        its data. Raises on Redis errors (the background loop logs them and retries).

        Known, bounded race: a heartbeat chunk in flight while one of its users' last
        connection closes may land after the disconnect script and re-add the entry; that
        user then reads as online for at most one ttl (the offline event was already sent).
        """
        users = list(self._connections)
        chunks = _chunks(users) or [[]]  # no users: still tell the others we are alive
        for chunk in chunks:
            await self._heartbeat(
                keys=[
                    self._instances_key,
                    self._users_of(self._instance),
                    *(self._user_key(u) for u in chunk),
                ],
                args=[self._instance, self._ttl_ms, *(str(u) for u in chunk)],
            )

    async def _sweep(self) -> None:
        """Retire every gateway whose heartbeat expired, then announce its users offline."""
        dead = await self._expired_instances(keys=[self._instances_key], args=[_DEAD_PER_SWEEP])
        for raw in dead:
            instance = _text(raw)
            if instance == self._instance:
                # Our own heartbeat is late (a stalled event loop): retiring ourselves would
                # announce connected users offline. The next heartbeat fixes the score.
                continue
            gone = await self._retire(
                keys=[self._instances_key, self._users_of(instance)],
                args=[instance, self._user_prefix, "1"],
            )
            if gone:
                log.info("presence_gateway_retired", instance=instance, users_offline=len(gone))
            for user in gone:
                await self._announce_offline(UUID(_text(user)))

    async def _announce_offline(self, user_id: UUID) -> None:
        if self._on_offline is None:
            return
        try:
            await self._on_offline(user_id)
        except Exception:
            log.exception("presence_offline_listener_failed", user_id=str(user_id))

    async def _claim(self, user_id: UUID) -> bool:
        came_online = await self._connect(
            keys=[self._user_key(user_id), self._users_of(self._instance), self._instances_key],
            args=[self._instance, self._ttl_ms, str(user_id)],
        )
        return bool(int(came_online))

    async def _release(self, user_id: UUID) -> bool:
        went_offline = await self._disconnect(
            keys=[self._user_key(user_id), self._users_of(self._instance)],
            args=[self._instance, str(user_id)],
        )
        return bool(int(went_offline))

    async def _every(self, seconds: float, job: Callable[[], Awaitable[None]]) -> None:
        """Run `job` now and then every `seconds`, surviving any failure of it."""
        while True:
            try:
                await job()
            except REDIS_DOWN as exc:
                _log_failure(job.__name__, exc)
            except Exception:
                log.exception("presence_loop_failed", job=job.__name__)
            if _cancel_requested():
                raise asyncio.CancelledError
            await asyncio.sleep(seconds)

    def _user_key(self, user_id: UUID) -> str:
        return f"{self._user_prefix}{user_id}"

    def _users_of(self, instance: str) -> str:
        return f"{self._instance_prefix}{instance}"


async def _or_no_transition(operation: str, transition: Awaitable[bool]) -> bool:
    """The transition's answer, or False ("nothing changed") when Redis fails."""
    try:
        return await transition
    except REDIS_DOWN as exc:
        _log_failure(operation, exc)
        return False


def _cancel_requested() -> bool:
    """True when this task was asked to stop, even if the request got lost on the way.

    On Python 3.11 `asyncio.wait_for` (which redis-py uses to connect) swallows a
    cancellation that arrives just as the awaited operation completes; the task's
    `cancelling()` count still records it, so `stop()` cannot wait forever on a loop.
    """
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


def _log_failure(operation: str, exc: Exception) -> None:
    log.warning("presence_redis_failed", operation=operation, error=repr(exc))


def _chunks(users: list[UUID]) -> list[list[UUID]]:
    return [users[i : i + _CHUNK] for i in range(0, len(users), _CHUNK)]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
