"""MoodAnalyser: an entry's text -> the mood model -> a `MoodAnalysed` event in the diary ->
a `diary_mood` frame to the author's own connections.

Idempotent under redelivery: the diary appends a reading only for the version that was read,
so a stale or repeated delivery appends nothing. A failure (the database, the model) is
retried here with backoff, then raised so that the bus delivers the record again."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from uuid import UUID

import structlog

from hubbub.contexts.mood.ports import DiaryForMood, EntryTextLike
from hubbub.infra.observability.mood_metrics import MOOD_ANALYSES, MOOD_ANALYSIS_SECONDS
from hubbub.kernel.backoff import exponential_backoff
from hubbub.kernel.errors import NotFound
from hubbub.kernel.frames import DiaryMood, FrameMood
from hubbub.kernel.mood import MoodModel, MoodReading
from hubbub.kernel.ports import LiveEvents

log = structlog.get_logger(__name__)

DIARY_MOOD_FRAME = "diary_mood"


class Outcome(StrEnum):
    RECORDED = "recorded"
    """A new analysis was appended."""
    STALE = "stale"
    """The entry changed (or went) while it was read: the newer version gets its own turn."""
    GONE = "gone"
    """The entry was deleted or the diary erased before it was read."""
    ALREADY = "already"
    """Its current text already has a reading (a redelivered event): nothing appended."""
    ERROR = "error"
    """An attempt failed (counted per attempt; it is retried)."""


class MoodAnalyser:
    def __init__(
        self,
        *,
        diary: DiaryForMood,
        model: MoodModel,
        live: LiveEvents,
        attempts: int = 5,
        retry_base_seconds: float = 0.5,
        retry_cap_seconds: float = 30.0,
    ) -> None:
        self._diary = diary
        self._model = model
        self._live = live
        self._attempts = attempts
        self._retry_base = retry_base_seconds
        self._retry_cap = retry_cap_seconds
        # One thread: the model is CPU-bound and the machine small; analyses queue up here
        # rather than compete with the event loop for cores.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mood")
        self._warming: asyncio.Future[None] | None = None

    def start(self) -> None:
        """Begin loading the model in the background (idempotent); analyses queue behind it."""
        if self._warming is None:
            loop = asyncio.get_running_loop()
            self._warming = loop.run_in_executor(self._executor, self._model.warm)

    async def warm(self) -> None:
        """Load the model now, off the event loop."""
        self.start()
        assert self._warming is not None
        await self._warming

    @property
    def state(self) -> str:
        """ "ok" once the model is loaded, "loading" before, "error" if loading failed."""
        if self._warming is None or not self._warming.done():
            return "loading"
        if self._warming.cancelled() or self._warming.exception() is not None:
            return "error"
        return "ok"

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def analyse(self, *, entry_id: UUID, again: bool = False) -> Outcome:
        """Analyse the entry's current text unless it has a reading already (or `again`: a
        reanalysis), retrying failures with backoff; raises the last failure after
        `attempts` (the bus then redelivers)."""
        failures = 0
        while True:
            try:
                return await self.analyse_once(entry_id=entry_id, again=again)
            except Exception:
                failures += 1
                MOOD_ANALYSES.labels(Outcome.ERROR).inc()
                log.warning("mood_analysis_failed", entry_id=str(entry_id), attempt=failures)
                if failures >= self._attempts:
                    raise
                await asyncio.sleep(
                    exponential_backoff(failures, base=self._retry_base, cap=self._retry_cap)
                )

    async def analyse_once(self, *, entry_id: UUID, again: bool = False) -> Outcome:
        """One attempt: read, score, record, tell the author."""
        entry = await self._diary.text_for_analysis(entry_id=entry_id)
        if entry is None:
            MOOD_ANALYSES.labels(Outcome.GONE).inc()
            return Outcome.GONE
        if not again and await self._has_mood(entry):
            MOOD_ANALYSES.labels(Outcome.ALREADY).inc()
            return Outcome.ALREADY
        reading = await self._read(entry)
        recorded = await self._diary.record_mood(
            entry_id=entry_id, analysed_version=entry.version, reading=reading
        )
        if not recorded:
            MOOD_ANALYSES.labels(Outcome.STALE).inc()
            return Outcome.STALE
        MOOD_ANALYSES.labels(Outcome.RECORDED).inc()
        await self._tell_author(entry, reading)
        return Outcome.RECORDED

    async def _has_mood(self, entry: EntryTextLike) -> bool:
        try:
            seen = await self._diary.get(user_id=entry.user_id, entry_id=entry.entry_id)
        except NotFound:
            return False  # gone meanwhile: record_mood will say so
        return seen.mood is not None

    async def _read(self, entry: EntryTextLike) -> MoodReading:
        loop = asyncio.get_running_loop()
        started = time.perf_counter()
        reading = await loop.run_in_executor(self._executor, self._model.analyse, entry.text)
        MOOD_ANALYSIS_SECONDS.observe(time.perf_counter() - started)
        return reading

    async def _tell_author(self, entry: EntryTextLike, reading: MoodReading) -> None:
        # After the commit of the analysis, from service code; best effort (the entry list
        # shows the mood anyway on the next read).
        frame = DiaryMood(
            entry_id=entry.entry_id,
            mood=FrameMood(
                valence=reading.valence,
                emotions=dict(reading.emotions),
                label=reading.label,
                model=reading.model,
            ),
        )
        try:
            await self._live.to_user(entry.user_id, frame.dump())
        except Exception:
            log.warning("diary_mood_frame_not_sent", entry_id=str(entry.entry_id))


def mood_json(reading: MoodReading) -> dict[str, object]:
    """A reading as the contract shows an entry's `mood` (as the entry shows it after)."""
    return {
        "valence": reading.valence,
        "emotions": dict(reading.emotions),
        "label": reading.label,
        "model": reading.model,
    }


async def reanalyse_all(analyser: MoodAnalyser, diary: DiaryForMood, *, page: int = 100) -> int:
    """Re-score every live entry with the current model (`hubbub mood reanalyse`): each gets
    a new analysis appended; the old ones stay in its history. Returns how many."""
    done = 0
    after: str | None = None
    while True:
        ids = await diary.entries_for_reanalysis(after_entry_id=after, limit=page)
        for entry_id in ids:
            if await analyser.analyse(entry_id=UUID(entry_id), again=True) is Outcome.RECORDED:
                done += 1
        if len(ids) < page:
            return done
        after = ids[-1]
