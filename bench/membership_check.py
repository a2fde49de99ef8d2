"""The membership check of every send (issue 12): before, messages asked chats
(`LocalChatsApi.check_member`: its member list from a cache, 30 s, dropped on every change);
now messages reads its own copy (`MembershipProjection.check_member`: one indexed row of
`messages_chat_members`). Both on one fresh database of the given engine, the same chat and
member, `--calls` sequential checks each, alternating `--repeat` times; medians reported.

    .venv/bin/python bench/membership_check.py --calls 5000
    .venv/bin/python bench/membership_check.py --calls 5000 --db postgresql+asyncpg://postgres@127.0.0.1:5432/<db>
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import uvloop

from hubbub.contexts.chats.wiring import local_chats
from hubbub.contexts.messages.wiring import local_membership
from hubbub.contexts.users import NewUser
from hubbub.contexts.users.wiring import local_users
from hubbub.infra.cache import InMemoryCache
from hubbub.infra.db import Database
from hubbub.infra.db.migrate import upgrade
from hubbub.infra.presence import InMemoryPresence
from hubbub.kernel.clock import SystemClock
from hubbub.kernel.fakes import RecordingLiveEvents


async def timed(check: Callable[[], Awaitable[None]], calls: int) -> float:
    """Microseconds per call."""
    started = time.perf_counter()
    for _ in range(calls):
        await check()
    return (time.perf_counter() - started) / calls * 1e6


async def run(url: str, calls: int, repeat: int) -> None:
    db = Database(url)
    await upgrade(db)
    clock, cache = SystemClock(), InMemoryCache()
    users = local_users(db=db, presence=InMemoryPresence(), clock=clock, cache=cache)
    alice, bob = [
        (await users.create(new=NewUser(username=f"{n}{time.time_ns()}"))).id
        for n in ("alice", "bob")
    ]
    projection = local_membership(db=db, cache=cache)
    chats = local_chats(
        db=db,
        users=users,
        live=RecordingLiveEvents(),
        clock=clock,
        cache=cache,
        committed=[projection.deliver],
    )
    chat, _ = await chats.open_direct(user_id=alice, partner_id=bob)

    async def before() -> None:
        await chats.check_member(chat_id=chat.id, user_id=alice)

    async def after() -> None:
        await projection.check_member(chat_id=chat.id, user_id=alice)

    results: dict[str, list[float]] = {"chats (before)": [], "messages' own (now)": []}
    for _ in range(repeat):
        results["chats (before)"].append(await timed(before, calls))
        results["messages' own (now)"].append(await timed(after, calls))
    engine = "SQLite" if db.is_sqlite else "PostgreSQL"
    for name, values in results.items():
        print(f"{engine:10} {name:22} {statistics.median(values):8.1f} µs per check")
    await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", default=None, help="a database URL (default: a fresh SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        uvloop.run(run(url, args.calls, args.repeat))


if __name__ == "__main__":
    main()
