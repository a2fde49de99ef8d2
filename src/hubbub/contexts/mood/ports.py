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


class EntryMoodLike(Protocol):
    """An entry as its author reads it: only whether its current text has a mood matters."""

    @property
    def mood(self) -> object | None: ...


class DiaryForMood(Protocol):
    async def get(self, *, user_id: UUID, entry_id: UUID) -> EntryMoodLike:
        """The entry as its author sees it (`mood` is None until its current text is read);
        NotFound when it is gone."""
        ...

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
