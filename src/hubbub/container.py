"""What one process runs, as `bootstrap()` assembled it: the contexts, the client-facing
front, the assistant's workers, and the container that starts and stops them in order."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol
from uuid import UUID

from redis.asyncio import Redis

from hubbub.apis import Apis
from hubbub.contexts.assistant import AssistantApi
from hubbub.contexts.assistant.consumers import AssistantConsumers
from hubbub.contexts.assistant.local_model import LocalModel
from hubbub.contexts.assistant.ports import Provider
from hubbub.contexts.auth.sessions import SessionGate
from hubbub.contexts.chats import ChatsApi
from hubbub.contexts.diary import DiaryApi
from hubbub.contexts.matching.service import LocalMatchingApi
from hubbub.contexts.messages import MessagesApi
from hubbub.contexts.messages.consumers import SearchIndexer
from hubbub.contexts.mood.consumers import MoodConsumers
from hubbub.contexts.mood.service import MoodAnalyser
from hubbub.contexts.realtime import Gateway, Hub
from hubbub.contexts.users import UsersApi
from hubbub.infra.db import Database
from hubbub.infra.db.migrate import upgrade
from hubbub.infra.db.outbox import OutboxRelay
from hubbub.infra.redis import redis_ping
from hubbub.infra.rpc import LazyChannel, RpcServer, peer_serving
from hubbub.kernel.origins import OriginPolicy
from hubbub.kernel.ports import BlobStore, Bus, Cache, Fanout, Presence, RateLimit
from hubbub.roles import Role
from hubbub.settings import Settings


class Subscriber(Protocol):
    """A context's bus consumers: registers its handlers before the bus starts."""

    def subscribe(self, bus: Bus) -> None: ...


@dataclass
class Contexts:
    """The contexts a process holds, by their `Api` protocols (local services today, gRPC
    clients when a context runs elsewhere: callers cannot tell), and the live plumbing they
    publish through."""

    instance: str  # this process's id among the deployment's (fan-out origin, presence)
    fanout: Fanout
    presence: Presence
    hub: Hub
    cache: Cache
    users: UsersApi
    chats: ChatsApi
    messages: MessagesApi
    assistant: AssistantApi
    blobs: BlobStore
    diary: DiaryApi | None = None
    consumers: tuple[Subscriber, ...] = ()
    """The local contexts' own bus consumers (subscribed by the roles that run consumers):
    a deleted account's erasure, messages' copy of the chats' membership."""
    closers: tuple[Callable[[], Awaitable[None]], ...] = ()
    """Finish the local contexts' in-flight writes (messages' group commit)."""
    starters: tuple[Callable[[], Awaitable[object]], ...] = ()
    """Run once before the process serves (the diary's projections catch up)."""

    async def start(self) -> None:
        for start in self.starters:
            await start()

    async def close(self) -> None:
        for close in self.closers:
            await close()


@dataclass
class Frontend:
    """What a client-facing role adds: authentication, the gateway and request budgets."""

    apis: Apis
    gateway: Gateway
    sessions: SessionGate | None  # None when auth is a peer (its process keeps the gate)
    origins: OriginPolicy
    limiters: tuple[RateLimit, ...]
    matching: LocalMatchingApi | None = None  # its index refreshes in the background


@dataclass
class AssistantWorkers:
    """What a role running the assistant adds: the model and the bus consumers."""

    provider: Provider
    model: LocalModel  # the offline model: the guard's, and the `local` provider's
    consumers: AssistantConsumers
    budgets: tuple[RateLimit, ...]


@dataclass(frozen=True)
class Peer:
    """A context this process calls over gRPC."""

    context: str
    address: str
    channel: LazyChannel


PEER_CHECK_SECONDS = 1.0


@dataclass
class MoodWorkers:
    """What a role running the mood analyser adds: the analyser (its model warm) and its bus
    consumer."""

    analyser: MoodAnalyser
    consumers: MoodConsumers


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
    mood: MoodWorkers | None = None
    matching: LocalMatchingApi | None = None
    rpc: RpcServer | None = None
    """The gRPC server of a role that serves contexts (`serves_rpc`)."""
    rpc_address: str = "127.0.0.1:50051"
    """Where `rpc` listens (`hubbub serve <role> --host … --grpc-port …`)."""
    rpc_port: int | None = None
    """The port `rpc` listens on once started."""
    peers: tuple[Peer, ...] = ()
    started: bool = field(default=False)

    async def start(self) -> None:
        if self.settings.should_migrate_on_start:
            await upgrade(self.db)
        if self.contexts is not None:
            await self.contexts.start()  # e.g. the diary's projections catch up
        if self.contexts is not None:
            await self.contexts.fanout.start(self.contexts.hub.deliver)
        if self.frontend is not None and self.contexts is not None:
            sessions = self.frontend.sessions
            await self.contexts.hub.listen_for_ended_sessions(
                sessions.forget if sessions is not None else _ignore_sessions
            )
            await self.contexts.presence.start(self.frontend.gateway.went_offline)
        if self.assistant is not None:
            # Both load in the background; /readyz says "loading" until the model is warm.
            await self.assistant.model.start()
            await self.assistant.provider.start()
        if self.bus is not None:
            await self.bus.start()
        if self.assistant is not None and self.bus is not None and self.settings.bus_in_process:
            await self.assistant.consumers.requeue(self.bus)
        if self.relay is not None:
            self.relay.start()
        if self.indexer is not None:
            self.indexer.start()
        if self.mood is not None:
            self.mood.analyser.start()  # the model loads in the background
        if self.matching is not None:
            await self.matching.start()
        if self.rpc is not None:
            self.rpc_port = await self.rpc.start(self.rpc_address)
        self.started = True

    async def stop(self) -> None:
        """Finish in-flight writes, relay what was committed, let the consumers finish, then
        let go of everything."""
        if self.rpc is not None:  # refuse new calls, finish those in flight
            await self.rpc.stop(self.settings.shutdown_grace_seconds)
        if self.contexts is not None:
            await self.contexts.close()
        if self.frontend is not None and self.contexts is not None:
            await self.frontend.gateway.flush_presence()
            await self.contexts.presence.stop()
        if self.relay is not None:
            await self.relay.stop()
        if self.bus is not None:
            await self.bus.stop()
        if self.indexer is not None:
            await self.indexer.close()
        if self.matching is not None:
            await self.matching.stop()
        if self.mood is not None:
            self.mood.analyser.close()
        if self.contexts is not None:
            # Consumers may have written while the bus drained (autoreplies); their outbox
            # rows stay for the next start.
            await self.contexts.close()
            await self.contexts.fanout.stop()
            await self.contexts.blobs.close()
        limiters = self.frontend.limiters if self.frontend is not None else ()
        if self.assistant is not None:
            await self.assistant.provider.stop()
            await self.assistant.model.stop()
            limiters += self.assistant.budgets
        for limiter in limiters:
            await limiter.aclose()
        for peer in self.peers:
            await peer.channel.close()
        if self.redis is not None:
            await self.redis.aclose()
        await self.db.dispose()
        self.started = False

    async def readiness(self) -> dict[str, str]:
        """Each configured dependency: "ok" when it answers; and the assistant's model:
        "loading" until it is loaded and exercised (the first user must not wait for it)."""
        checks = {"database": await self.db.ping()}
        if self.redis is not None:
            checks["redis"] = await redis_ping(self.redis)
        if self.contexts is not None:
            checks["fanout"] = await self.contexts.fanout.ping()
        if self.bus is not None:
            checks["bus"] = await self.bus.ping()
        for peer in self.peers:  # each context this process calls: is its service serving?
            checks[f"peer_{peer.context}"] = await peer_serving(
                peer.channel, "", seconds=PEER_CHECK_SECONDS
            )
        if self.rpc is not None:
            checks["grpc"] = self.rpc_port is not None
        states = {name: "ok" if ok else "error" for name, ok in checks.items()}
        if self.assistant is not None:
            states["assistant_model"] = self.assistant.model.state
        if self.mood is not None:
            states["mood_model"] = self.mood.analyser.state
        return states


def _ignore_sessions(_session_ids: list[UUID]) -> None:
    """Auth is a peer: no session answers are kept here to forget."""
