"""In-memory implementations of the users ports, for unit tests of this and other contexts."""

from datetime import datetime
from uuid import UUID

from hubbub.contexts.users.api import UserRecord
from hubbub.kernel.errors import Conflict
from hubbub.kernel.ids import new_id


class InMemoryUserStore:
    def __init__(self) -> None:
        self.users: dict[UUID, UserRecord] = {}
        self.deleted: dict[UUID, datetime] = {}

    async def add(self, user: UserRecord) -> None:
        if await self.by_username(user.username):
            raise Conflict("username is taken", code="username_taken")
        if user.email and await self.by_email(user.email):
            raise Conflict("email is taken", code="email_taken")
        self.users[user.id] = user

    async def get(self, user_id: UUID) -> UserRecord | None:
        return self.users.get(user_id)

    async def get_many(self, user_ids: set[UUID]) -> list[UserRecord]:
        return [u for uid, u in self.users.items() if uid in user_ids]

    async def by_username(self, username: str) -> UserRecord | None:
        return next(
            (u for u in self.users.values() if u.username.lower() == username.lower()), None
        )

    async def by_email(self, email: str) -> UserRecord | None:
        wanted = email.lower()
        return next((u for u in self.users.values() if (u.email or "").lower() == wanted), None)

    async def search(self, prefix: str, limit: int) -> list[UserRecord]:
        raw = prefix.replace("\\%", "%").replace("\\_", "_").replace("\\\\", "\\")
        found = sorted(
            (u for u in self.users.values() if u.username.lower().startswith(raw)),
            key=lambda u: u.username.lower(),
        )
        return found[:limit]

    async def update(
        self, user_id: UUID, *, display_name: str | None, discoverable: bool | None
    ) -> None:
        user = self.users[user_id]
        changes: dict[str, object] = {}
        if display_name is not None:
            changes["display_name"] = display_name
        if discoverable is not None:
            changes["discoverable"] = discoverable
        self.users[user_id] = user.model_copy(update=changes)

    async def delete(self, user_id: UUID) -> None:
        self.users.pop(user_id, None)

    async def erase(self, user_id: UUID, at: datetime) -> None:
        self.users.pop(user_id, None)
        self.deleted.setdefault(user_id, at)

    async def deleted_among(self, user_ids: set[UUID]) -> set[UUID]:
        return user_ids & self.deleted.keys()

    async def set_last_seen(self, user_id: UUID, at: datetime) -> None:
        if user_id in self.users:
            self.users[user_id] = self.users[user_id].model_copy(update={"last_seen_at": at})


class FixedPresence:
    """Presence lookup answering from a set the test controls."""

    def __init__(self, online: set[UUID] | None = None) -> None:
        self.online = online or set()

    async def online_among(self, user_ids: set[UUID]) -> set[UUID]:
        return user_ids & self.online


def a_profile(
    username: str, *, email: str | None = None, discoverable: bool = False, at: datetime
) -> UserRecord:
    """A stored profile for tests: display name from the username, never seen."""
    return UserRecord(
        id=new_id(),
        username=username,
        display_name=username.title(),
        email=email,
        discoverable=discoverable,
        created_at=at,
        last_seen_at=None,
    )
