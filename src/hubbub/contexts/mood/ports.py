"""What the mood analyser needs from the diary (`DiaryApi`, the part it uses)."""

from typing import Protocol
from uuid import UUID

from hubbub.kernel.mood import MoodReading


class EntryTextLike(Protocol):
    """An entry's current text, as the diary hands it to the analyser (never on the bus)."""

    @property
    def entry_id(self) -> UUID: ...

    @property
    def user_id(self) -> UUID: ...

    @property
    def version(self) -> int: ...

    @property
    def text(self) -> str: ...


class DiaryForMood(Protocol):
    async def text_for_analysis(self, *, entry_id: UUID) -> EntryTextLike | None:
        """The entry's current text and version; None when it is deleted or erased."""
        ...

    async def record_mood(
        self, *, entry_id: UUID, analysed_version: int, reading: MoodReading
    ) -> bool:
        """Append the reading; False (nothing appended) when the entry changed since
        `analysed_version` or is gone."""
        ...

    async def entries_for_reanalysis(self, *, after_entry_id: str | None, limit: int) -> list[str]:
        """Every live entry's id (canonical text), in id order, a page at a time."""
        ...
