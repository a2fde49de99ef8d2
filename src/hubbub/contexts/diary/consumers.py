"""Bus handlers of the diary context."""

from uuid import UUID

import orjson

from hubbub.contexts.auth import UserDeleted
from hubbub.contexts.diary.service import LocalDiaryApi
from hubbub.kernel.ports import Bus

GROUP = "diary"


class DiaryConsumers:
    def __init__(self, diary: LocalDiaryApi) -> None:
        self._diary = diary

    def subscribe(self, bus: Bus) -> None:
        bus.subscribe(UserDeleted.topic, GROUP, self.on_user_deleted)

    async def on_user_deleted(self, _key: str, payload: bytes) -> None:
        """A deleted account's diary is erased: its keys destroyed, its text unrecoverable."""
        await self._diary.erase(user_id=UUID(orjson.loads(payload)["user_id"]))
