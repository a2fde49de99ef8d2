"""Bus handler of the mood role: every recorded or revised entry gets analysed."""

from uuid import UUID

import orjson

from hubbub.contexts.mood.service import MoodAnalyser
from hubbub.kernel.ports import Bus

GROUP = "mood"
ENTRY_WRITTEN = "diary.entry_written"


class MoodConsumers:
    def __init__(self, analyser: MoodAnalyser) -> None:
        self._analyser = analyser

    def subscribe(self, bus: Bus) -> None:
        """Register the handler (before the bus starts)."""
        bus.subscribe(ENTRY_WRITTEN, GROUP, self.on_entry_written)

    async def on_entry_written(self, _key: str, payload: bytes) -> None:
        """Analyse the entry's current version (the event carries ids only, never text)."""
        await self._analyser.analyse(entry_id=UUID(orjson.loads(payload)["entry_id"]))
