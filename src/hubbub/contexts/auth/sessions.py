"""Is this session live? Asked on every request and every socket, so answered from memory.

Three levels: this process's memory (a dictionary lookup), then the cache shared by the
deployment (Redis when configured), then the database. Positive answers only are cached, for
a short while: a session that ends is dropped from this process at once, from the shared
cache after commit, and from every other process by a notice on the fan-out (which also
closes the sockets opened with it). A notice lost while a gateway is cut off from Redis
leaves it trusting the session for at most `local_seconds`.
"""

from collections.abc import Iterable, Sequence
from uuid import UUID

from hubbub.contexts.auth.ports import CredentialStore, SessionNotices
from hubbub.kernel.cache import TtlCache
from hubbub.kernel.ports import Cache


class SessionGate:
    def __init__(
        self,
        *,
        store: CredentialStore,
        cache: Cache,
        notices: SessionNotices | None = None,
        local_seconds: float = 30.0,
        shared_seconds: float = 60.0,
    ) -> None:
        self._store = store
        self._cache = cache
        self._notices = notices
        self._local: TtlCache[UUID, UUID] = TtlCache(ttl_seconds=local_seconds, max_entries=100_000)
        self._shared_seconds = shared_seconds
        # Bumped whenever sessions are forgotten: a lookup that started before a forget must
        # not put back what the forget removed.
        self._epoch = 0

    def bind_notices(self, notices: SessionNotices) -> None:
        """Late binding: the fan-out that carries the notices is built after auth."""
        self._notices = notices

    async def owner(self, session_id: UUID) -> UUID | None:
        """The user of a live session, or None."""
        found = self._local.get(session_id)
        if found is not None:
            return found
        epoch = self._epoch
        raw = await self._cache.get(_key(session_id))
        if raw is not None:
            found = UUID(raw.decode())
        else:
            found = await self._store.session_owner(session_id)
            if found is None:
                return None
            if epoch == self._epoch:
                await self._cache.set(
                    _key(session_id), str(found).encode(), ttl_seconds=self._shared_seconds
                )
        if epoch == self._epoch:
            self._local.put(session_id, found)
        return found

    async def ended(self, user_id: UUID, session_ids: Sequence[UUID]) -> None:
        """After the store ended these sessions: forget them here, in the shared cache, and
        (through the notices) in every other process, closing their sockets."""
        if not session_ids:
            return
        self.forget(session_ids)
        for session_id in session_ids:
            await self._cache.delete(_key(session_id))
        if self._notices is not None:
            await self._notices.sessions_ended(user_id, session_ids)

    def forget(self, session_ids: Iterable[UUID]) -> None:
        """Drop sessions from this process's memory (on a notice from another process)."""
        self._epoch += 1
        for session_id in session_ids:
            self._local.drop(session_id)


def _key(session_id: UUID) -> str:
    return f"auth:session:{session_id}"
