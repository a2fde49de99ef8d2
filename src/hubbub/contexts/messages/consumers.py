"""Bus handlers of the messages context."""

from uuid import UUID

import orjson

from hubbub.contexts.auth import UserDeleted
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.kernel.ports import Bus

GROUP = "messages"


class MessagesConsumers:
    def __init__(self, messages: LocalMessagesApi) -> None:
        self._messages = messages

    def subscribe(self, bus: Bus) -> None:
        bus.subscribe(UserDeleted.topic, GROUP, self.on_user_deleted)

    async def on_user_deleted(self, _key: str, payload: bytes) -> None:
        """Erase the read cursors of a deleted account."""
        await self._messages.forget_reader(user_id=UUID(orjson.loads(payload)["user_id"]))
