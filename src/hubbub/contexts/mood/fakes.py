"""In-memory stand-ins for the mood analyser's tests: the diary side of it."""

from dataclasses import dataclass, field
from uuid import UUID

from hubbub.kernel.errors import NotFound
from hubbub.kernel.mood import MoodReading


@dataclass(frozen=True)
class FakeEntryText:
    entry_id: UUID
    user_id: UUID
    version: int
    text: str


@dataclass(frozen=True)
class FakeEntryMood:
    mood: MoodReading | None


@dataclass
class InMemoryDiary:
    """Entries with versions; readings appended as the diary would (only for the version
    read). Set `fail_reads` to make the next N reads raise."""

    entries: dict[UUID, FakeEntryText] = field(default_factory=dict)
    readings: dict[UUID, list[tuple[int, MoodReading]]] = field(default_factory=dict)
    fail_reads: int = 0
    text_versions: dict[UUID, int] = field(default_factory=dict)
    """The version at which each entry's text last changed."""

    def write(self, entry_id: UUID, user_id: UUID, text: str) -> None:
        """Record or revise an entry (the version grows with each write and analysis)."""
        old = self.entries.get(entry_id)
        version = 1 if old is None else old.version + 1
        self.entries[entry_id] = FakeEntryText(entry_id, user_id, version, text)
        self.text_versions[entry_id] = version

    async def get(self, *, user_id: UUID, entry_id: UUID) -> "FakeEntryMood":
        entry = self.entries.get(entry_id)
        if entry is None or entry.user_id != user_id:
            raise NotFound("entry not found", code="entry_not_found")
        read = [r for v, r in self.readings.get(entry_id, []) if v >= self.text_versions[entry_id]]
        return FakeEntryMood(read[-1] if read else None)

    async def text_for_analysis(self, *, entry_id: UUID) -> FakeEntryText | None:
        if self.fail_reads > 0:
            self.fail_reads -= 1
            raise ConnectionError("database unavailable")
        return self.entries.get(entry_id)

    async def record_mood(
        self, *, entry_id: UUID, analysed_version: int, reading: MoodReading
    ) -> bool:
        entry = self.entries.get(entry_id)
        if entry is None or entry.version != analysed_version:
            return False
        self.readings.setdefault(entry_id, []).append((analysed_version, reading))
        self.entries[entry_id] = FakeEntryText(
            entry_id, entry.user_id, entry.version + 1, entry.text
        )
        return True

    async def entries_for_reanalysis(self, *, after_entry_id: str | None, limit: int) -> list[str]:
        ids = sorted(str(i) for i in self.entries)
        if after_entry_id is not None:
            ids = [i for i in ids if i > after_entry_id]
        return ids[:limit]
