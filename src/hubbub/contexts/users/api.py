"""The users port: what the rest of hubbub may ask about people."""

from datetime import datetime
from typing import Protocol
from uuid import UUID

from pydantic import BaseModel, Field

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


DELETED_DISPLAY_NAME = "Deleted account"


class UserView(BaseModel):
    """A profile as other people see it, with presence."""

    id: UUID
    username: str
    display_name: str
    online: bool
    last_seen_at: Timestamp | None
    deleted: bool = Field(
        default=False,
        description='A deleted account: username "", display name "Deleted account"; its '
        "messages in other people's chats stay, with its id as sender_id",
    )

    @classmethod
    def of_deleted(cls, user_id: UUID) -> "UserView":
        """How a deleted account shows wherever an id needs a person (senders, partners)."""
        return cls(
            id=user_id,
            username="",
            display_name=DELETED_DISPLAY_NAME,
            online=False,
            last_seen_at=None,
            deleted=True,
        )


class OwnProfile(UserView):
    """One's own profile: what others see, and one's own settings."""

    discoverable: bool = Field(
        description="Opted in to matching: others with a similar mood may be shown this profile"
    )


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
        """A profile with presence (`deleted` for a deleted account); NotFound if unknown."""
        ...

    async def get_many(self, *, user_ids: set[UUID]) -> dict[UUID, UserView]:
        """Profiles for the ids that exist or existed (deleted accounts as `deleted`)."""
        ...

    async def discoverable_among(self, *, user_ids: set[UUID]) -> set[UUID]:
        """The ids among `user_ids` of existing profiles that opted in to matching."""
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
        """Remove a profile without a trace (undoes a registration that failed half-way;
        a deleted account is erased through the `user.deleted` event instead)."""
        ...

    async def touch_last_seen(self, *, user_id: UUID, at: datetime) -> None:
        """Record when the user was last connected."""
        ...
