"""Matching latency at scale: exact top-k over N discoverable mood profiles.

Three figures per N (10,000 and 100,000 by default):
- `index.top`: the exact top-k of the in-memory index (one float32 matrix-vector product and
  an argpartition over N x 8), p50/p95/p99 over `--queries` random callers;
- `matches()`: the whole service call the REST route makes (the caller's profile from the
  timeline, the discoverability check, top-k, the candidates' profiles and shared emotions),
  over the users service on an in-memory store and a timeline indexed by person (the diary's
  projection query is measured by the diary's own bench);
- the periodic rebuild of the whole index from the timeline (`refresh_all`).

Profiles are synthetic: each person has 5 analysed days in the last 30, each day a Dirichlet
draw around one of 6 personal "temperaments", so there are clusters as in real moods.

    nice -n 10 .venv/bin/python bench/matching.py --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import numpy as np

from hubbub.contexts.matching.fakes import FakeMoodDay
from hubbub.contexts.matching.index import ProfileIndex
from hubbub.contexts.matching.service import LocalMatchingApi
from hubbub.contexts.users import UserRecord
from hubbub.contexts.users.fakes import FixedPresence, InMemoryUserStore, a_profile
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.kernel.fakes import FixedClock
from hubbub.kernel.mood import EMOTIONS

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


class IndexedTimeline:
    """The diary's timeline, indexed by person (as the projection's (user_id, date) key is)."""

    def __init__(self, days: list[FakeMoodDay]) -> None:
        self.all = days
        self.by_user: dict[UUID, list[FakeMoodDay]] = {}
        for day in days:
            self.by_user.setdefault(day.user_id, []).append(day)

    async def mood_days_since(
        self, since: date, user_ids: Sequence[UUID] | None = None
    ) -> list[FakeMoodDay]:
        if user_ids is None:
            return [d for d in self.all if d.date >= since]
        return [d for u in user_ids for d in self.by_user.get(u, ()) if d.date >= since]


class FastUserStore(InMemoryUserStore):
    """The in-memory store with lookups by id in O(1), as the database's primary key is (the
    test fake scans every profile)."""

    async def get_many(self, user_ids: set[UUID]) -> list[UserRecord]:
        return [self.users[u] for u in user_ids if u in self.users]


def synthetic(n: int, rng: np.random.Generator) -> tuple[InMemoryUserStore, list[FakeMoodDay]]:
    store = FastUserStore()
    temperaments = rng.dirichlet(np.ones(len(EMOTIONS)) * 0.7, size=6)
    days: list[FakeMoodDay] = []
    for i in range(n):
        profile = a_profile(f"user{i:07d}", discoverable=True, at=NOW)
        store.users[profile.id] = profile  # straight in: add() checks names in O(n)
        base = temperaments[i % 6]
        for ago in rng.choice(30, size=5, replace=False):
            mix = rng.dirichlet(base * 20 + 0.1)
            valence = float(np.clip(mix[0] - mix[1] - mix[2] - mix[3] + rng.normal(0, 0.1), -1, 1))
            days.append(
                FakeMoodDay(
                    profile.id,
                    NOW.date() - timedelta(days=int(ago)),
                    int(rng.integers(1, 3)),
                    valence,
                    dict(zip(EMOTIONS, mix.tolist(), strict=True)),
                )
            )
    return store, days


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return f"p50 {statistics.median(ms):.3f} ms, p95 {pick(0.95):.3f} ms, p99 {pick(0.99):.3f} ms"


async def run(n: int, queries: int, k: int) -> None:
    rng = np.random.default_rng(n)
    started = time.perf_counter()
    store, days = synthetic(n, rng)
    print(
        f"\n## {n:,} profiles ({len(days):,} timeline days, built in "
        f"{time.perf_counter() - started:.1f} s)"
    )
    clock = FixedClock(NOW)
    users = LocalUsersApi(store=store, presence=FixedPresence(), clock=clock)
    matching = LocalMatchingApi(timeline=IndexedTimeline(days), users=users, clock=clock)

    started = time.perf_counter()
    size = await matching.refresh_all()
    print(
        f"refresh_all (rebuild from the timeline): {time.perf_counter() - started:.2f} s, "
        f"{size:,} profiles, matrix {len(matching.index) * 32 / 1e6:.1f} MB"
    )

    index: ProfileIndex = matching.index
    ids = list(store.users)
    callers = [ids[int(i)] for i in rng.integers(0, n, size=queries)]
    top_times: list[float] = []
    for caller in callers:
        vector = index.vector(caller)
        assert vector is not None
        started = time.perf_counter()
        index.top(vector, 2 * k + 8, exclude={caller})
        top_times.append(time.perf_counter() - started)
    print(f"index.top (k={2 * k + 8}, exact): {percentiles(top_times)}")

    call_times: list[float] = []
    for caller in callers:
        started = time.perf_counter()
        found = await matching.matches(user_id=caller, limit=k)
        call_times.append(time.perf_counter() - started)
        assert len(found.matches) == k and all(m.user.id != caller for m in found.matches)
    print(f"matches(limit={k}) whole service call: {percentiles(call_times)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--limit", type=int, default=10)
    args = parser.parse_args()
    for n in (int(s) for s in args.sizes.split(",")):
        asyncio.run(run(n, args.queries, args.limit))


if __name__ == "__main__":
    main()
