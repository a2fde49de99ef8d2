"""LocalMatchingApi: recommendations from the in-memory profile index, kept fresh from the
diary's mood timeline."""

import asyncio
import contextlib
from collections.abc import Sequence
from datetime import date, timedelta
from uuid import UUID

import numpy as np
import structlog

from hubbub.contexts.matching import model
from hubbub.contexts.matching.api import LIMIT_MAX, Match, MatchList, Opener
from hubbub.contexts.matching.index import ProfileIndex
from hubbub.contexts.matching.openers import choose_opener, language_of
from hubbub.contexts.matching.ports import MoodTimeline
from hubbub.contexts.users import UsersApi
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import Invalid, NotFound

log = structlog.get_logger(__name__)

CHUNK = 1000
"""Ids asked about at once when the whole index is rebuilt."""


class LocalMatchingApi:
    def __init__(
        self,
        *,
        timeline: MoodTimeline,
        users: UsersApi,
        clock: Clock,
        index: ProfileIndex | None = None,
        refresh_seconds: float = 300.0,
    ) -> None:
        self._timeline = timeline
        self._users = users
        self._clock = clock
        self.index = index if index is not None else ProfileIndex()
        self._refresh_seconds = refresh_seconds
        self._task: asyncio.Task[None] | None = None

    async def matches(self, *, user_id: UUID, limit: int) -> MatchList:
        """The discoverable people closest to the caller's mood profile, best first."""
        if not 1 <= limit <= LIMIT_MAX:
            raise Invalid(f"limit: 1..{LIMIT_MAX}", code="validation_error")
        mine = await self._profile(user_id)
        if mine is None:
            self.index.remove(user_id)
            return MatchList(matches=[], reason=model.TOO_LITTLE_DATA)
        vector = mine.vector()
        # Whoever asks has their profile computed anyway: a discoverable caller joins the
        # index now rather than at the next rebuild.
        if await self._users.discoverable_among(user_ids={user_id}):
            self.index.put(user_id, vector)
        else:
            self.index.remove(user_id)
        return MatchList(matches=await self._best(user_id, mine, vector, limit))

    async def _best(
        self, user_id: UUID, mine: model.MoodProfile, vector: model.FloatRow, limit: int
    ) -> list[Match]:
        # The index is as of its last refresh: someone may have become undiscoverable or
        # deleted their account since. Ask again about the candidates, drop whoever left.
        found: list[Match] = []
        for _ in range(3):
            candidates = self.index.top(vector, 2 * limit + 8, exclude={user_id})
            ids = {candidate for candidate, _ in candidates}
            still = await self._users.discoverable_among(user_ids=ids) if ids else set()
            for gone in ids - still:
                self.index.remove(gone)
            views = await self._users.get_many(user_ids=still) if still else {}
            found = []
            for candidate, similarity in candidates:
                view = views.get(candidate)
                stored = self.index.vector(candidate)
                if view is None or view.deleted or stored is None:
                    continue
                shared = model.shared_emotions(mine.emotions, model.emotions_of(stored))
                found.append(Match(user=view, score=round(similarity, 4), shared=shared))
            if len(found) >= limit or not ids - still:
                break
        return found[:limit]

    async def opener(self, *, user_id: UUID, other_id: UUID, language: str | None) -> Opener:
        """A written first line about the emotions the two share, in the caller's language."""
        if other_id == user_id or not await self._users.discoverable_among(user_ids={other_id}):
            raise NotFound("no such match", code="match_not_found")
        theirs = await self._profile(other_id)
        if theirs is None:
            raise NotFound("no such match", code="match_not_found")
        mine = await self._profile(user_id)
        shared = [] if mine is None else model.shared_emotions(mine.emotions, theirs.emotions)
        lang = language_of(language)
        text = choose_opener(shared, language=lang, a=user_id, b=other_id, day=self._today())
        return Opener(text=text, language=lang, shared=shared[:1])

    async def refresh_user(self, *, user_id: UUID) -> None:
        """Recompute one person's place in the index (after a new analysis, a deleted entry,
        an erased diary): in it when discoverable with enough data, else out of it."""
        profile = await self._profile(user_id)
        if profile is not None and await self._users.discoverable_among(user_ids={user_id}):
            self.index.put(user_id, profile.vector())
        else:
            self.index.remove(user_id)

    def forget(self, *, user_id: UUID) -> None:
        """Take a person out of the index (a deleted account)."""
        self.index.remove(user_id)

    async def refresh_all(self) -> int:
        """Rebuild the whole index from the diary's timeline; returns how many it holds."""
        today = self._today()
        days = await self._timeline.mood_days_since(since=_since(today))
        # Seconds of CPU at 100,000 people: off the event loop.
        profiles = await asyncio.to_thread(_vectors_of, days, today)
        discoverable: set[UUID] = set()
        ids = [user_id for user_id, _ in profiles]
        for start in range(0, len(ids), CHUNK):
            discoverable |= await self._users.discoverable_among(
                user_ids=set(ids[start : start + CHUNK])
            )
        self.index.replace_all(pair for pair in profiles if pair[0] in discoverable)
        return len(self.index)

    async def start(self) -> None:
        """Rebuild the index now and then every `refresh_seconds`, in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._refresh_forever(), name="matching-refresh")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _refresh_forever(self) -> None:
        while True:
            try:
                size = await self.refresh_all()
                log.info("matching_index_refreshed", profiles=size)
            except Exception:  # the next round tries again; matches go on from the old index
                log.exception("matching_index_refresh_failed")
            await asyncio.sleep(self._refresh_seconds)

    async def _profile(self, user_id: UUID) -> model.MoodProfile | None:
        today = self._today()
        days = await self._timeline.mood_days_since(since=_since(today), user_ids=[user_id])
        return model.profile_of(user_id, days, today=today)

    def _today(self) -> date:
        return self._clock.now().date()


def _vectors_of(
    days: Sequence[model.MoodDayLike], today: date
) -> list[tuple[UUID, model.FloatRow]]:
    profiles = model.profiles_of(days, today=today)
    if not profiles:
        return []
    vectors = model.encode_many(
        np.array([p.emotions for p in profiles]), np.array([p.valence for p in profiles])
    )
    return [(p.user_id, vectors[i]) for i, p in enumerate(profiles)]


def _since(today: date) -> date:
    return today - timedelta(days=model.WINDOW_DAYS - 1)
