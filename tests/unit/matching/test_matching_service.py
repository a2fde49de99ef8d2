"""LocalMatchingApi over the users service (in-memory store) and a fake diary timeline."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

import orjson
import pytest

from hubbub.contexts.matching.consumers import MatchingConsumers
from hubbub.contexts.matching.fakes import FakeMoodDay, InMemoryTimeline
from hubbub.contexts.matching.model import TOO_LITTLE_DATA
from hubbub.contexts.matching.service import LocalMatchingApi
from hubbub.contexts.users import ProfileUpdate
from hubbub.contexts.users.fakes import FixedPresence, InMemoryUserStore, a_profile
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.infra.bus import InMemoryBus
from hubbub.kernel.errors import Invalid
from hubbub.kernel.fakes import FixedClock
from hubbub.kernel.mood import EMOTIONS

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(NOW)
        self.store = InMemoryUserStore()
        self.users = LocalUsersApi(store=self.store, presence=FixedPresence(), clock=self.clock)
        self.timeline = InMemoryTimeline()
        self.matching = LocalMatchingApi(timeline=self.timeline, users=self.users, clock=self.clock)

    async def person(self, name: str, *, discoverable: bool = True, **shares: float) -> UUID:
        """Someone who wrote three analysed entries with this mood in the last days."""
        profile = a_profile(name, discoverable=discoverable, at=NOW)
        await self.store.add(profile)
        self.write(profile.id, days=3, **shares)
        return profile.id

    def write(self, user_id: UUID, *, days: int, valence: float = 0.0, **shares: float) -> None:
        emotions = {name: shares.get(name, 0.0) for name in EMOTIONS}
        for ago in range(days):
            self.timeline.days.append(
                FakeMoodDay(user_id, NOW.date() - timedelta(days=ago), 1, valence, emotions)
            )


@pytest.fixture
def world() -> World:
    return World()


async def test_too_little_data_is_an_empty_list_with_a_reason(world: World) -> None:
    me = a_profile("me", discoverable=True, at=NOW)
    await world.store.add(me)
    world.write(me.id, days=2, joy=1.0)
    await world.person("other", joy=1.0)
    await world.matching.refresh_all()

    found = await world.matching.matches(user_id=me.id, limit=10)

    assert found.matches == []
    assert found.reason == TOO_LITTLE_DATA


async def test_matches_are_discoverable_others_closest_first_with_shared_emotions(
    world: World,
) -> None:
    me = await world.person("me", discoverable=False, joy=0.6, surprise=0.4)
    twin = await world.person("twin", joy=0.55, surprise=0.45)
    near = await world.person("near", joy=0.5, sadness=0.5)
    far = await world.person("far", anger=0.7, fear=0.3)
    await world.person("hidden", discoverable=False, joy=0.6, surprise=0.4)
    assert await world.matching.refresh_all() == 3

    found = await world.matching.matches(user_id=me, limit=10)

    assert [m.user.id for m in found.matches] == [twin, near, far]
    assert found.reason is None
    assert found.matches[0].shared == ["joy", "surprise"]
    assert found.matches[1].shared == ["joy"]
    assert found.matches[2].shared == []
    assert 1 >= found.matches[0].score > found.matches[1].score > found.matches[2].score >= 0
    assert (await world.matching.matches(user_id=me, limit=1)).matches[0].user.id == twin
    # a caller who is not discoverable is never in anyone's list
    assert me not in world.matching.index


async def test_whoever_opts_out_or_is_deleted_drops_out_at_once(world: World) -> None:
    me = await world.person("me", joy=1.0)
    opted_out = await world.person("out", joy=1.0)
    deleted = await world.person("gone", joy=1.0)
    stays = await world.person("stays", sadness=1.0)
    await world.matching.refresh_all()
    await world.users.update(user_id=opted_out, change=ProfileUpdate(discoverable=False))
    await world.users.erase(user_id=deleted)

    found = await world.matching.matches(user_id=me, limit=10)

    assert [m.user.id for m in found.matches] == [stays]
    assert opted_out not in world.matching.index and deleted not in world.matching.index


async def test_a_discoverable_caller_joins_the_index_when_asking(world: World) -> None:
    first = await world.person("first", joy=1.0)
    await world.matching.refresh_all()  # nobody to match yet: first is alone
    second = await world.person("second", joy=1.0)  # not in the index until it asks

    assert (await world.matching.matches(user_id=first, limit=5)).matches == []
    found = await world.matching.matches(user_id=second, limit=5)

    assert [m.user.id for m in found.matches] == [first]
    assert [m.user.id for m in (await world.matching.matches(user_id=first, limit=5)).matches] == [
        second
    ]


@pytest.mark.parametrize("limit", [0, 51, -1])
async def test_a_limit_out_of_range_is_invalid(world: World, limit: int) -> None:
    me = await world.person("me", joy=1.0)
    with pytest.raises(Invalid):
        await world.matching.matches(user_id=me, limit=limit)


async def test_diary_events_move_people_in_and_out_of_the_index(world: World) -> None:
    bus = InMemoryBus()
    MatchingConsumers(world.matching).subscribe(bus)
    await bus.start()
    alice = await world.person("alice", joy=1.0)
    bob = await world.person("bob", discoverable=False, joy=1.0)
    try:
        for user in (alice, bob):
            payload = {"entry_id": "e", "user_id": str(user), "version": 2}
            await bus.publish("diary.mood_analysed", str(user), orjson.dumps(payload))
        await bus.join()
        assert alice in world.matching.index and bob not in world.matching.index

        world.timeline.forget(alice)
        await bus.publish("diary.erased", str(alice), orjson.dumps({"user_id": str(alice)}))
        await bus.join()
        assert alice not in world.matching.index

        world.write(alice, days=3, joy=1.0)
        await world.matching.refresh_user(user_id=alice)
        await bus.publish("user.deleted", str(alice), orjson.dumps({"user_id": str(alice)}))
        await bus.join()
        assert alice not in world.matching.index
    finally:
        await bus.stop()


async def test_the_background_refresh_rebuilds_the_index(world: World) -> None:
    alice = await world.person("alice", joy=1.0)
    matching = LocalMatchingApi(
        timeline=world.timeline, users=world.users, clock=world.clock, refresh_seconds=0.01
    )
    await matching.start()
    try:
        for _ in range(100):
            if alice in matching.index:
                break
            await asyncio.sleep(0.01)
        assert alice in matching.index
    finally:
        await matching.stop()


async def test_an_opener_is_a_written_line_about_the_shared_emotion_in_the_callers_language(
    world: World,
) -> None:
    from hubbub.contexts.matching.openers import OPENERS

    me = await world.person("me", joy=0.7, surprise=0.3)
    them = await world.person("them", joy=0.8, neutral=0.2)

    english = await world.matching.opener(user_id=me, other_id=them, language="en-GB")
    russian = await world.matching.opener(user_id=me, other_id=them, language="ru")
    unknown = await world.matching.opener(user_id=me, other_id=them, language="xx")

    assert english.shared == ["joy"] and english.text in OPENERS["en"]["joy"]
    assert russian.language == "ru" and russian.text in OPENERS["ru"]["joy"]
    assert unknown.language == "en"
    # the same pair gets the same line the same day, whoever asks
    back = await world.matching.opener(user_id=them, other_id=me, language="en")
    assert back.text == english.text


async def test_no_opener_for_someone_who_is_no_match(world: World) -> None:
    from hubbub.kernel.errors import NotFound

    me = await world.person("me", joy=1.0)
    hidden = await world.person("hidden", discoverable=False, joy=1.0)
    nodata = a_profile("nodata", discoverable=True, at=NOW)
    await world.store.add(nodata)

    for other in (hidden, nodata.id, me):
        with pytest.raises(NotFound):
            await world.matching.opener(user_id=me, other_id=other, language="en")
