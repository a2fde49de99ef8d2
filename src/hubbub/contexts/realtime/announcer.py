"""Presence announcements in batches, off the connecting and closing paths.

A socket that opens or closes only notes the transition (a dict entry: O(1), whatever the
number of contacts); a task announces what was noted `delay` seconds later, for many users
at once: the offline ones' `last_seen_at` in one transaction (the users store groups the
concurrent calls), then each user's contacts told through their user channels, a bounded
number of users at a time. A user who comes and goes within the delay is announced once, in
their latest state. 10,000 sockets opening, or 1,000 closing, no longer queue up one
presence announcement each behind their handshake or their close.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID

import structlog

log = structlog.get_logger(__name__)

Announce = Callable[[UUID, str, datetime], Awaitable[None]]
RecordOffline = Callable[[UUID, datetime], Awaitable[None]]

ONLINE = "user_online"
OFFLINE = "user_offline"


class PresenceAnnouncer:
    def __init__(
        self,
        *,
        announce: Announce,
        record_offline: RecordOffline,
        delay_seconds: float = 0.1,
        concurrency: int = 16,
    ) -> None:
        self._announce = announce
        self._record_offline = record_offline
        self._delay = delay_seconds
        self._concurrency = concurrency
        self._pending: dict[UUID, tuple[str, datetime]] = {}
        self._task: asyncio.Task[None] | None = None

    def note(self, user_id: UUID, event: str, at: datetime) -> None:
        """Record a transition (`ONLINE`/`OFFLINE`) to announce shortly."""
        self._pending.pop(user_id, None)  # re-insert: batches keep the order of transitions
        self._pending[user_id] = (event, at)
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(
                self._later(), name="presence-announcer"
            )

    async def _later(self) -> None:
        try:
            await asyncio.sleep(self._delay)
            await self.flush()
        finally:
            self._task = None

    async def flush(self) -> None:
        """Announce everything noted so far (also at shutdown)."""
        while self._pending:
            batch, self._pending = self._pending, {}
            offline = [(user, at) for user, (event, at) in batch.items() if event == OFFLINE]
            await asyncio.gather(*(self._record(user, at) for user, at in offline))
            limit = asyncio.Semaphore(self._concurrency)
            await asyncio.gather(*(self._tell(limit, u, e, at) for u, (e, at) in batch.items()))

    async def _tell(self, limit: asyncio.Semaphore, user: UUID, event: str, at: datetime) -> None:
        async with limit:
            try:
                await self._announce(user, event, at)
            except Exception:
                log.exception("presence_announce_failed", user_id=str(user))

    async def _record(self, user: UUID, at: datetime) -> None:
        try:
            await self._record_offline(user, at)
        except Exception:
            log.exception("presence_offline_failed", user_id=str(user))
