"""What the users context needs from the outside world."""

from datetime import datetime
from typing import Protocol
from uuid import UUID

from hubbub.contexts.users.api import UserRecord


class UserStore(Protocol):
    async def add(self, user: UserRecord) -> None:
        """Insert; raises Conflict when the username or email is taken."""
        ...

    async def get(self, user_id: UUID) -> UserRecord | None: ...

    async def get_many(self, user_ids: set[UUID]) -> list[UserRecord]: ...

    async def by_username(self, username: str) -> UserRecord | None: ...

    async def by_email(self, email: str) -> UserRecord | None: ...

    async def search(self, prefix: str, limit: int) -> list[UserRecord]: ...

    async def update(
        self, user_id: UUID, *, display_name: str | None, discoverable: bool | None
    ) -> None: ...

    async def delete(self, user_id: UUID) -> None: ...

    async def erase(self, user_id: UUID, at: datetime) -> None:
        """Delete the profile and keep only that the id was an account, deleted at `at`
        (idempotent)."""
        ...

    async def deleted_among(self, user_ids: set[UUID]) -> set[UUID]:
        """The ids of deleted accounts among `user_ids`."""
        ...

    async def set_last_seen(self, user_id: UUID, at: datetime) -> None: ...
