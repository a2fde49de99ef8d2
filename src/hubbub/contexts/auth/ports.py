"""What the auth context needs."""

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from hubbub.contexts.auth.model import Session
from hubbub.kernel.events import Event


class CredentialStore(Protocol):
    """Password hashes and sessions (the `auth_` tables)."""

    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None: ...

    async def password_hash(self, user_id: UUID) -> str | None: ...

    async def add_session(self, session: Session) -> None:
        """Record a new login (and forget the user's sessions that have expired)."""
        ...

    async def session_owner(self, session_id: UUID) -> UUID | None:
        """The user of a session that was not ended, or None (expiry is the token's to say)."""
        ...

    async def end_sessions(self, user_id: UUID, *, only: UUID | None = None) -> list[UUID]:
        """End the user's sessions (only `only` when given); the ids that were ended."""
        ...

    async def change_password(self, user_id: UUID, password_hash: str, *, keep: UUID) -> list[UUID]:
        """Store the new hash and end every session of the user but `keep`, in one
        transaction; the ids that were ended."""
        ...

    async def erase_account(self, user_id: UUID, events: Sequence[Event]) -> list[UUID]:
        """Delete the credentials and every session, and write `events` to the outbox, in
        one transaction; the session ids that were ended."""
        ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password: str, password_hash: str) -> bool: ...


class SessionNotices(Protocol):
    """Tells every process that sessions ended (owned by realtime: the fan-out): caches
    drop them and sockets opened with them close with 4401."""

    async def sessions_ended(self, user_id: UUID, session_ids: Sequence[UUID]) -> None: ...
