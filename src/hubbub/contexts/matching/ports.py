"""What matching needs from the outside world: the diary's per-day mood timeline."""

from collections.abc import Sequence
from datetime import date
from typing import Protocol
from uuid import UUID

from hubbub.contexts.matching.model import MoodDayLike


class MoodTimeline(Protocol):
    """The diary's per-day mood timeline (`DiaryApi.mood_days_since`)."""

    async def mood_days_since(
        self, since: date, user_ids: Sequence[UUID] | None = None
    ) -> Sequence[MoodDayLike]:
        """Every analysed day from `since` on, of `user_ids` (everyone when None)."""
        ...
