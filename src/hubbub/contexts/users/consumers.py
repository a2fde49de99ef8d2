"""Bus handlers of the users context."""

from uuid import UUID

import orjson

from hubbub.contexts.auth.events import UserDeleted
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.kernel.ports import Bus

GROUP = "users"


class UsersConsumers:
    def __init__(self, users: LocalUsersApi) -> None:
        self._users = users

    def subscribe(self, bus: Bus) -> None:
        bus.subscribe(UserDeleted.topic, GROUP, self.on_user_deleted)

    async def on_user_deleted(self, _key: str, payload: bytes) -> None:
        """Erase the profile of a deleted account (username and email become free)."""
        await self._users.erase(user_id=UUID(orjson.loads(payload)["user_id"]))
