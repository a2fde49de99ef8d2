"""bootstrap(): the one place where adapters are chosen (by URL, from settings) and the
contexts are assembled. Tests pass their own settings; nothing is built at import time."""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import structlog

from hubbub.apis import Apis
from hubbub.contexts.auth.wiring import local_auth
from hubbub.contexts.chats.wiring import local_chats
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.contexts.messages.wiring import local_messages
from hubbub.contexts.realtime.gateway import Gateway
from hubbub.contexts.realtime.hub import Hub
from hubbub.contexts.realtime.presence import InMemoryPresence
from hubbub.contexts.users.wiring import local_users
from hubbub.infra.bus import bus_from_url
from hubbub.infra.db import Database
from hubbub.infra.db.migrate import upgrade
from hubbub.infra.db.outbox import OutboxRelay
from hubbub.infra.fanout import fanout_from_url
from hubbub.infra.ratelimit import RateLimiter
from hubbub.kernel.clock import Clock, SystemClock
from hubbub.kernel.ports import Bus, Fanout
from hubbub.settings import Settings

log = structlog.get_logger(__name__)


@dataclass
class Container:
    """Everything one process runs, built by `bootstrap` and started/stopped by the entry."""

    settings: Settings
    db: Database
    bus: Bus
    fanout: Fanout
    hub: Hub
    apis: Apis
    gateway: Gateway
    relay: OutboxRelay
    messages: LocalMessagesApi
    started: bool = field(default=False)

    async def start(self) -> None:
        if self.settings.should_migrate_on_start:
            await upgrade(self.db)
        await self.bus.start()
        await self.fanout.start(self.hub.deliver)
        self.relay.start()
        self.started = True

    async def stop(self) -> None:
        """Finish in-flight writes, relay what was committed, then let go of everything."""
        await self.messages.close()
        await self.relay.stop()
        await self.bus.stop()
        await self.fanout.stop()
        await self.db.dispose()
        self.started = False

    async def readiness(self) -> dict[str, str]:
        checks = {
            "database": await self.db.ping(),
            "fanout": await self.fanout.ping(),
            "bus": await self.bus.ping(),
        }
        return {name: "ok" if ok else "error" for name, ok in checks.items()}


def bootstrap(settings: Settings, *, clock: Clock | None = None) -> Container:
    """Build the embedded (role `all`) process from settings."""
    clock = clock or SystemClock()
    db = Database(settings.effective_database_url, sqlite_synchronous=settings.sqlite_synchronous)
    bus = bus_from_url(settings.bus_url)
    fanout = fanout_from_url(settings.fanout_url)
    hub = Hub(fanout)
    presence = InMemoryPresence()
    users = local_users(db=db, presence=presence, clock=clock)
    auth = local_auth(
        db=db,
        users=users,
        secret=jwt_secret(settings),
        ttl_seconds=settings.jwt_ttl_seconds,
        clock=clock,
    )
    chats = local_chats(db=db, users=users, live=hub, clock=clock)
    messages = local_messages(db=db, membership=chats, live=hub, clock=clock)
    chats.bind_activity(messages)
    http_limiter = RateLimiter(per_minute=settings.rate_limit_per_minute)
    ws_limiter = RateLimiter(per_minute=settings.ws_rate_limit_per_minute)
    gateway = Gateway(
        auth=auth,
        users=users,
        chats=chats,
        messages=messages,
        hub=hub,
        presence=presence,
        rate_limiter=ws_limiter,
        clock=clock,
        max_frame_bytes=settings.ws_max_frame_bytes,
        send_queue=settings.ws_send_queue,
    )
    return Container(
        settings=settings,
        db=db,
        bus=bus,
        fanout=fanout,
        hub=hub,
        apis=Apis(
            auth=auth, users=users, chats=chats, messages=messages, rate_limiter=http_limiter
        ),
        gateway=gateway,
        relay=OutboxRelay(db, bus),
        messages=messages,
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
