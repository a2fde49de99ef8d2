"""In-memory auth ports for unit tests."""

from collections.abc import Callable, Sequence
from uuid import UUID

from hubbub.contexts.auth.model import Session
from hubbub.kernel.events import Event


class InMemoryCredentialStore:
    """`outbox` collects the events the SQL store would write to its outbox table."""

    def __init__(self) -> None:
        self.hashes: dict[UUID, str] = {}
        self.sessions: dict[UUID, Session] = {}
        self.outbox: list[Event] = []

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        self.hashes[user_id] = password_hash

    async def password_hash(self, user_id: UUID) -> str | None:
        return self.hashes.get(user_id)

    async def add_session(self, session: Session) -> None:
        expired = [
            s.id
            for s in self.sessions.values()
            if s.user_id == session.user_id and s.expires_at <= session.created_at
        ]
        for session_id in expired:
            del self.sessions[session_id]
        self.sessions[session.id] = session

    async def session_owner(self, session_id: UUID) -> UUID | None:
        found = self.sessions.get(session_id)
        return found.user_id if found else None

    async def end_sessions(self, user_id: UUID, *, only: UUID | None = None) -> list[UUID]:
        return self._end(user_id, lambda s: only is None or s == only)

    async def change_password(self, user_id: UUID, password_hash: str, *, keep: UUID) -> list[UUID]:
        self.hashes[user_id] = password_hash
        return self._end(user_id, lambda s: s != keep)

    async def erase_account(self, user_id: UUID, events: Sequence[Event]) -> list[UUID]:
        self.hashes.pop(user_id, None)
        self.outbox.extend(events)
        return self._end(user_id, lambda _s: True)

    def _end(self, user_id: UUID, wanted: Callable[[UUID], bool]) -> list[UUID]:
        ended = [s.id for s in self.sessions.values() if s.user_id == user_id and wanted(s.id)]
        for session_id in ended:
            del self.sessions[session_id]
        return ended


class RecordingSessionNotices:
    """SessionNotices that records what was announced."""

    def __init__(self) -> None:
        self.ended: list[tuple[UUID, list[UUID]]] = []

    async def sessions_ended(self, user_id: UUID, session_ids: Sequence[UUID]) -> None:
        self.ended.append((user_id, list(session_ids)))


class ReversibleHasher:
    """A fast stand-in for argon2 in unit tests (never used outside them)."""

    def hash(self, password: str) -> str:
        return "plain$" + password

    def verify(self, password: str, password_hash: str) -> bool:
        return password_hash == "plain$" + password
