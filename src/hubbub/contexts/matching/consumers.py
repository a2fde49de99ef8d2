"""Bus handlers of matching: a person's place in the profile index follows their diary.

The index lives in each serving process's memory, so these run in-process where the
contexts are (`serve all`); a process without them relies on the periodic rebuild
(`HUBBUB_MATCHING_REFRESH_SECONDS`) and on callers joining the index when they ask."""

from uuid import UUID

import orjson

from hubbub.contexts.auth import UserDeleted
from hubbub.contexts.matching.service import LocalMatchingApi
from hubbub.kernel.ports import Bus

GROUP = "matching"
DIARY_TOPICS = ("diary.mood_analysed", "diary.entry_deleted", "diary.erased")
"""The diary's events after which a person's mood profile may have changed."""


class MatchingConsumers:
    def __init__(self, matching: LocalMatchingApi) -> None:
        self._matching = matching

    def subscribe(self, bus: Bus) -> None:
        """Register the handlers (before the bus starts)."""
        for topic in DIARY_TOPICS:
            bus.subscribe(topic, GROUP, self.on_mood_changed)
        bus.subscribe(UserDeleted.topic, GROUP, self.on_user_deleted)

    async def on_mood_changed(self, _key: str, payload: bytes) -> None:
        """Recompute the author's profile (carries no text: only the user id is read)."""
        await self._matching.refresh_user(user_id=UUID(orjson.loads(payload)["user_id"]))

    async def on_user_deleted(self, _key: str, payload: bytes) -> None:
        """A deleted account leaves the index at once."""
        self._matching.forget(user_id=UUID(orjson.loads(payload)["user_id"]))
