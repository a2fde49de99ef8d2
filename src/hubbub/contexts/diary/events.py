"""Events the diary puts on the bus (outbox, in the transaction of the event-store append).

None of them carries an entry's text, title or tags: the bus keeps records for days and
crypto-shredding could not reach them there.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar
from uuid import UUID

from hubbub.kernel.events import Event


class _EntryEvent(Event):
    """The payload names the entry's version `version` (as the team's interface says); the
    field is `entry_version` because `Event.version` is the schema version of the class."""

    def to_payload(self) -> dict[str, Any]:
        data = super().to_payload()
        data["version"] = data.pop("entry_version")
        return data

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> "Event":
        return super().from_payload({**data, "entry_version": data.get("version")})


@dataclass(frozen=True, slots=True)
class EntryWritten(_EntryEvent):
    """An entry was recorded, or its text revised: it needs (re)analysis."""

    topic: ClassVar[str] = "diary.entry_written"

    entry_id: UUID
    user_id: UUID
    entry_version: int
    written_at: datetime

    @property
    def key(self) -> str:
        return str(self.entry_id)


@dataclass(frozen=True, slots=True)
class EntryDeleted(_EntryEvent):
    topic: ClassVar[str] = "diary.entry_deleted"

    entry_id: UUID
    user_id: UUID
    entry_version: int

    @property
    def key(self) -> str:
        return str(self.entry_id)


@dataclass(frozen=True, slots=True)
class MoodAnalysed(_EntryEvent):
    """A mood reading of an entry's text at `version` was recorded."""

    topic: ClassVar[str] = "diary.mood_analysed"

    entry_id: UUID
    user_id: UUID
    entry_version: int
    written_at: datetime
    valence: float
    emotions: dict[str, Any]
    label: str
    model: str

    @property
    def key(self) -> str:
        return str(self.entry_id)


@dataclass(frozen=True, slots=True)
class DiaryErased(Event):
    """A person's whole diary was erased (DELETE /api/v1/diary, or the account deleted)."""

    topic: ClassVar[str] = "diary.erased"

    user_id: UUID

    @property
    def key(self) -> str:
        return str(self.user_id)
