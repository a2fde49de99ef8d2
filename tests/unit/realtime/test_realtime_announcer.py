"""PresenceAnnouncer: transitions noted in O(1) on the socket's path, announced in batches."""

import asyncio
from datetime import UTC, datetime, timedelta
from uuid import UUID

from hubbub.contexts.realtime.announcer import OFFLINE, ONLINE, PresenceAnnouncer
from hubbub.kernel.ids import new_id

T0 = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


class Recorder:
    def __init__(self) -> None:
        self.announced: list[tuple[UUID, str, datetime]] = []
        self.recorded: list[tuple[UUID, datetime]] = []

    async def announce(self, user: UUID, event: str, at: datetime) -> None:
        await asyncio.sleep(0)
        self.announced.append((user, event, at))

    async def record(self, user: UUID, at: datetime) -> None:
        self.recorded.append((user, at))


async def test_noting_does_no_work_until_the_batch_and_the_latest_state_wins() -> None:
    seen = Recorder()
    announcer = PresenceAnnouncer(
        announce=seen.announce, record_offline=seen.record, delay_seconds=0.05
    )
    users = [new_id() for _ in range(1000)]
    flapper, steady = new_id(), new_id()

    for user in users:
        announcer.note(user, OFFLINE, T0)
    announcer.note(flapper, ONLINE, T0)
    announcer.note(steady, ONLINE, T0)
    announcer.note(flapper, OFFLINE, T0 + timedelta(seconds=1))
    assert seen.announced == [] and seen.recorded == []  # nothing on the closing path

    await asyncio.sleep(0.3)

    assert sorted(seen.recorded) == sorted(
        [(u, T0) for u in users] + [(flapper, T0 + timedelta(seconds=1))]
    )
    by_user = {user: (event, at) for user, event, at in seen.announced}
    assert len(seen.announced) == len(by_user) == 1002  # each user once
    assert by_user[flapper] == (OFFLINE, T0 + timedelta(seconds=1))
    assert by_user[steady] == (ONLINE, T0)


async def test_flush_announces_what_waits_at_once_and_a_failure_spares_the_others() -> None:
    seen = Recorder()
    broken = new_id()

    async def announce(user: UUID, event: str, at: datetime) -> None:
        if user == broken:
            raise RuntimeError("store down")
        await seen.announce(user, event, at)

    announcer = PresenceAnnouncer(announce=announce, record_offline=seen.record, delay_seconds=60)
    fine = new_id()
    announcer.note(broken, ONLINE, T0)
    announcer.note(fine, ONLINE, T0)

    await announcer.flush()

    assert seen.announced == [(fine, ONLINE, T0)]
