"""In-memory stand-ins of what matching needs, for unit tests of this and other contexts."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID


@dataclass(frozen=True)
class FakeMoodDay:
    """A row of the diary's per-day timeline, as `DiaryApi.mood_days_since` returns it."""

    user_id: UUID
    date: date
    entries: int
    valence_mean: float
    emotions: Mapping[str, float]


@dataclass
class InMemoryTimeline:
    """The diary's mood timeline, from rows the test writes."""

    days: list[FakeMoodDay] = field(default_factory=list)
    calls: int = 0

    async def mood_days_since(
        self, since: date, user_ids: Sequence[UUID] | None = None
    ) -> list[FakeMoodDay]:
        self.calls += 1
        wanted = None if user_ids is None else set(user_ids)
        return [d for d in self.days if d.date >= since and (wanted is None or d.user_id in wanted)]

    def forget(self, user_id: UUID) -> None:
        """As after `diary.erased`."""
        self.days = [d for d in self.days if d.user_id != user_id]
