"""bootstrap(): the one place where adapters are chosen (by URL, from settings) and a
process is assembled for its role. Tests pass their own settings; nothing is built at import
time."""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import structlog
from redis.asyncio import Redis

from hubbub.apis import Apis
from hubbub.contexts.auth.wiring import local_auth
from hubbub.contexts.chats.wiring import local_chats
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.contexts.messages.wiring import local_messages
from hubbub.contexts.realtime import Gateway, Hub
from hubbub.contexts.users.wiring import local_users
from hubbub.infra.bus import bus_from_url
from hubbub.infra.cache import cache_from
from hubbub.infra.db import Database
from hubbub.infra.db.migrate import upgrade
from hubbub.infra.db.outbox import OutboxRelay
from hubbub.infra.fanout import fanout_from_url
from hubbub.infra.presence import presence_from
from hubbub.infra.ratelimit import rate_limit_from
from hubbub.infra.redis import redis_client, redis_ping
from hubbub.kernel.clock import Clock, SystemClock
from hubbub.kernel.ids import new_id
from hubbub.kernel.ports import Bus, Fanout, Presence, RateLimit
from hubbub.roles import ROLES, Role
from hubbub.settings import Settings

log = structlog.get_logger(__name__)


@dataclass
class Frontend:
    """What a client-facing role runs: the contexts, the gateway and their live plumbing."""

    fanout: Fanout
    presence: Presence
    hub: Hub
    apis: Apis
    gateway: Gateway
    messages: LocalMessagesApi
    limiters: tuple[RateLimit, ...]


@dataclass
class Container:
    """Everything one process runs, built by `bootstrap` and started/stopped by the entry."""

    settings: Settings
    role: Role
    db: Database
    redis: Redis | None
    bus: Bus | None
    relay: OutboxRelay | None
    frontend: Frontend | None
    started: bool = field(default=False)

    async def start(self) -> None:
        if self.settings.should_migrate_on_start:
            await upgrade(self.db)
        if self.bus is not None:
            await self.bus.start()
        if self.frontend is not None:
            await self.frontend.fanout.start(self.frontend.hub.deliver)
            await self.frontend.presence.start(self.frontend.gateway.went_offline)
        if self.relay is not None:
            self.relay.start()
        self.started = True

    async def stop(self) -> None:
        """Finish in-flight writes, relay what was committed, then let go of everything."""
        if self.frontend is not None:
            await self.frontend.messages.close()
            await self.frontend.presence.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self.bus is not None:
            await self.bus.stop()
        if self.frontend is not None:
            await self.frontend.fanout.stop()
            for limiter in self.frontend.limiters:
                await limiter.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        await self.db.dispose()
        self.started = False

    async def readiness(self) -> dict[str, str]:
        """Each configured dependency: "ok" when it answers."""
        checks = {"database": await self.db.ping()}
        if self.redis is not None:
            checks["redis"] = await redis_ping(self.redis)
        if self.frontend is not None:
            checks["fanout"] = await self.frontend.fanout.ping()
        if self.bus is not None:
            checks["bus"] = await self.bus.ping()
        return {name: "ok" if ok else "error" for name, ok in checks.items()}


def bootstrap(settings: Settings, *, role: str = "all", clock: Clock | None = None) -> Container:
    """Build the process of `role` (see roles.py) from settings."""
    chosen = ROLES[role]
    if chosen.name != "all" and settings.is_sqlite:
        raise RuntimeError(
            f"role {chosen.name!r} shares its database with other processes: set "
            "HUBBUB_DATABASE_URL to PostgreSQL (the SQLite default is for `serve all`)"
        )
    db = Database(settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous)
    # Redis holds what client-facing processes share (presence, limits, caches).
    redis = (
        redis_client(settings.redis_url) if settings.redis_url and chosen.serves_clients else None
    )
    bus = None
    relay = None
    if chosen.relays_outbox:
        bus = bus_from_url(
            settings.bus_url,
            namespace=settings.redis_namespace,
            partitions=settings.bus_partitions,
        )
        relay = OutboxRelay(db, bus, poll_seconds=settings.outbox_poll_seconds)
    frontend = (
        _frontend(settings, db, redis, clock or SystemClock()) if chosen.serves_clients else None
    )
    return Container(
        settings=settings,
        role=chosen,
        db=db,
        redis=redis,
        bus=bus,
        relay=relay,
        frontend=frontend,
    )


def _frontend(settings: Settings, db: Database, redis: Redis | None, clock: Clock) -> Frontend:
    # One id per process names it to the other gateways (fan-out origin, presence entries,
    # connection ids).
    instance = new_id().hex[-12:]
    namespace = settings.redis_namespace
    fanout = fanout_from_url(settings.fanout_url, instance=instance, namespace=namespace)
    hub = Hub(fanout)
    presence = presence_from(
        redis, instance=instance, namespace=namespace, ttl_seconds=settings.presence_ttl_seconds
    )
    cache = cache_from(redis, namespace=namespace)
    users = local_users(db=db, presence=presence, clock=clock, cache=cache)
    auth = local_auth(
        db=db,
        users=users,
        secret=jwt_secret(settings),
        ttl_seconds=settings.jwt_ttl_seconds,
        clock=clock,
    )
    chats = local_chats(db=db, users=users, live=hub, clock=clock, cache=cache)
    messages = local_messages(db=db, membership=chats, live=hub, clock=clock)
    chats.bind_activity(messages)
    http_limiter = rate_limit_from(
        settings.redis_url, limit=settings.rate_limit_per_minute, namespace=f"{namespace}:http"
    )
    ws_limiter = rate_limit_from(
        settings.redis_url,
        limit=settings.ws_rate_limit_per_minute,
        namespace=f"{namespace}:ws",
    )
    gateway = Gateway(
        auth=auth,
        users=users,
        chats=chats,
        messages=messages,
        hub=hub,
        presence=presence,
        rate_limiter=ws_limiter,
        clock=clock,
        instance=instance,
        max_frame_bytes=settings.ws_max_frame_bytes,
        send_queue=settings.ws_send_queue,
    )
    apis = Apis(auth=auth, users=users, chats=chats, messages=messages, rate_limiter=http_limiter)
    return Frontend(
        fanout=fanout,
        presence=presence,
        hub=hub,
        apis=apis,
        gateway=gateway,
        messages=messages,
        limiters=(http_limiter, ws_limiter),
    )


def jwt_secret(settings: Settings) -> str:
    """The configured secret; in embedded mode one is generated once and kept in the data dir."""
    if settings.jwt_secret:
        return settings.jwt_secret
    if not settings.is_sqlite:
        raise RuntimeError("HUBBUB_JWT_SECRET is required when the database is shared")
    path = Path(settings.data_dir) / "jwt_secret"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    log.info("jwt_secret_generated", path=str(path))
    return secret
