"""Bus handlers of the chats context."""

from uuid import UUID

import orjson

from hubbub.contexts.auth.events import UserDeleted
from hubbub.contexts.chats.service import LocalChatsApi
from hubbub.kernel.ports import Bus

GROUP = "chats"


class ChatsConsumers:
    def __init__(self, chats: LocalChatsApi) -> None:
        self._chats = chats

    def subscribe(self, bus: Bus) -> None:
        bus.subscribe(UserDeleted.topic, GROUP, self.on_user_deleted)

    async def on_user_deleted(self, _key: str, payload: bytes) -> None:
        """A deleted account leaves every chat."""
        await self._chats.forget_user(user_id=UUID(orjson.loads(payload)["user_id"]))
