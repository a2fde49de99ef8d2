"""What one process runs, as `bootstrap()` assembled it: the contexts, the client-facing
front, the assistant's workers, and the container that starts and stops them in order."""

from dataclasses import dataclass, field

from redis.asyncio import Redis

from hubbub.apis import Apis
from hubbub.contexts.assistant.consumers import AssistantConsumers
from hubbub.contexts.assistant.local_model import LocalModel
from hubbub.contexts.assistant.ports import Provider
from hubbub.contexts.assistant.service import LocalAssistantApi
from hubbub.contexts.auth.sessions import SessionGate
from hubbub.contexts.chats.service import LocalChatsApi
from hubbub.contexts.messages.consumers import SearchIndexer
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.contexts.realtime import Gateway, Hub
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.infra.db import Database
from hubbub.infra.db.migrate import upgrade
from hubbub.infra.db.outbox import OutboxRelay
from hubbub.infra.redis import redis_ping
from hubbub.kernel.origins import OriginPolicy
from hubbub.kernel.ports import BlobStore, Bus, Cache, Fanout, Presence, RateLimit
from hubbub.roles import Role
from hubbub.settings import Settings


@dataclass
class Contexts:
    """The contexts a process runs locally, and the live plumbing they publish through."""

    instance: str  # this process's id among the deployment's (fan-out origin, presence)
    fanout: Fanout
    presence: Presence
    hub: Hub
    cache: Cache
    users: LocalUsersApi
    chats: LocalChatsApi
    messages: LocalMessagesApi
    assistant: LocalAssistantApi
    blobs: BlobStore


@dataclass
class Frontend:
    """What a client-facing role adds: authentication, the gateway and request budgets."""

    apis: Apis
    gateway: Gateway
    sessions: SessionGate
    origins: OriginPolicy
    limiters: tuple[RateLimit, ...]


@dataclass
class AssistantWorkers:
    """What a role running the assistant adds: the model and the bus consumers."""

    provider: Provider
    model: LocalModel  # the offline model: the guard's, and the `local` provider's
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
            await self.contexts.hub.listen_for_ended_sessions(self.frontend.sessions.forget)
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
        self.started = True

    async def stop(self) -> None:
        """Finish in-flight writes, relay what was committed, let the consumers finish, then
        let go of everything."""
        if self.contexts is not None:
            await self.contexts.messages.close()
        if self.frontend is not None and self.contexts is not None:
            await self.frontend.gateway.flush_presence()
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
            await self.assistant.model.stop()
            limiters += self.assistant.budgets
        for limiter in limiters:
            await limiter.aclose()
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
        states = {name: "ok" if ok else "error" for name, ok in checks.items()}
        if self.assistant is not None:
            states["assistant_model"] = self.assistant.model.state
        return states
