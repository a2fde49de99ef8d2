"""The users port: what the rest of hubbub may ask about people."""

from datetime import datetime
from typing import Protocol
from uuid import UUID

from pydantic import BaseModel

from hubbub.kernel.clock import Timestamp


class UserRecord(BaseModel):
    """A stored profile (no presence)."""

    id: UUID
    username: str
    display_name: str
    email: str | None
    discoverable: bool
    created_at: Timestamp
    last_seen_at: Timestamp | None


class UserView(BaseModel):
    """A profile as other people see it, with presence."""

    id: UUID
    username: str
    display_name: str
    online: bool
    last_seen_at: Timestamp | None


class NewUser(BaseModel):
    username: str
    display_name: str | None = None
    email: str | None = None


class ProfileUpdate(BaseModel):
    display_name: str | None = None
    discoverable: bool | None = None


class PresenceLookup(Protocol):
    """Who is online right now (owned by realtime; users only asks)."""

    async def online_among(self, user_ids: set[UUID]) -> set[UUID]: ...


class UsersApi(Protocol):
    async def create(self, *, new: NewUser) -> UserRecord:
        """Create a profile; Conflict if the username (or email) is taken, Invalid if malformed."""
        ...

    async def get(self, *, user_id: UUID) -> UserView:
        """A profile with presence; NotFound if unknown."""
        ...

    async def get_many(self, *, user_ids: set[UUID]) -> dict[UUID, UserView]:
        """Profiles for the ids that exist."""
        ...

    async def find_login(self, *, username: str | None, email: str | None) -> UserRecord | None:
        """The profile a login names (username case-insensitively, or email)."""
        ...

    async def search(self, *, prefix: str, limit: int) -> list[UserView]:
        """Users whose username starts with `prefix` (case-insensitive)."""
        ...

    async def update(self, *, user_id: UUID, change: ProfileUpdate) -> UserView:
        """Change one's own profile."""
        ...

    async def delete(self, *, user_id: UUID) -> None:
        """Remove a profile (used to undo a registration that failed half-way)."""
        ...

    async def touch_last_seen(self, *, user_id: UUID, at: datetime) -> None:
        """Record when the user was last connected."""
        ...
