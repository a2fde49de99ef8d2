"""Micro-benchmark of the durable write path, in process: CPU per stored message.

Runs the same load on whatever `hubbub` is importable (the working tree, or an older commit
extracted with `git archive` and put first on PYTHONPATH), so commits can be compared one
lever at a time:

    .venv/bin/python bench/write_path_micro.py                      # this tree
    git archive <commit> src | tar -x -C /tmp/at-commit
    PYTHONPATH=/tmp/at-commit/src .venv/bin/python bench/write_path_micro.py

Load: `--batches` group-commit batches of `--batch` messages (20 chats, one sender each, a
request id per message, as the WebSocket path sends them) through `SqlMessageStore.append`
on a fresh migrated SQLite database (WAL, `synchronous=FULL`), with the outbox relay running
on an in-process bus, then the relay drained. Reported: process CPU time (user + system, all
threads) per message, and wall time per batch. Then `--closing` users' `last_seen_at` set
concurrently (what closing that many sockets writes) and its CPU time.
"""

import argparse
import asyncio
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def main(args: argparse.Namespace) -> None:
    import hubbub
    from hubbub.contexts.messages.model import Draft
    from hubbub.contexts.messages.store import SqlMessageStore
    from hubbub.contexts.users.fakes import a_profile
    from hubbub.contexts.users.store import SqlUserStore
    from hubbub.infra.bus import InMemoryBus
    from hubbub.infra.db import Database
    from hubbub.infra.db.migrate import upgrade
    from hubbub.infra.db.outbox import OutboxRelay
    from hubbub.kernel.ids import new_id

    with tempfile.TemporaryDirectory(dir=args.data_root) as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        await upgrade(db)
        bus = InMemoryBus()
        received = 0

        async def consume(_key: str, _payload: bytes) -> None:
            nonlocal received
            received += 1

        bus.subscribe("chat.message.persisted", "bench", consume)
        await bus.start()
        relay = OutboxRelay(db, bus)
        relay.start()
        store = SqlMessageStore(db)
        chats = [(new_id(), new_id()) for _ in range(20)]
        now = datetime.now(UTC)
        counter = 0

        def batch() -> list[Draft]:
            nonlocal counter
            drafts = []
            for i in range(args.batch):
                chat, sender = chats[i % len(chats)]
                counter += 1
                drafts.append(Draft(chat, sender, f"bench message {counter}", f"r{counter}", False))
            return drafts

        for _ in range(20):  # warm-up: caches, statement compilation, first WAL pages
            await store.append(batch(), now)
        await relay.relay_pending()
        await bus.join()
        start_cpu, start_wall = cpu(), time.perf_counter()
        for _ in range(args.batches):
            await store.append(batch(), now)
        await relay.relay_pending()
        await bus.join()
        used, wall = cpu() - start_cpu, time.perf_counter() - start_wall
        messages = args.batches * args.batch
        await relay.stop()
        await bus.stop()

        users = SqlUserStore(db)
        people = [a_profile(f"user{i}", at=now) for i in range(args.closing)]
        for person in people:
            await users.add(person)
        start_close = cpu()
        await asyncio.gather(*(users.set_last_seen(p.id, now) for p in people))
        closing = cpu() - start_close
        await db.dispose()

    print(f"hubbub from {Path(hubbub.__file__).parent}")
    print(
        f"messages {messages} in batches of {args.batch}: "
        f"CPU {used / messages * 1e6:.0f} µs/message, "
        f"wall {wall / args.batches * 1e3:.2f} ms/batch "
        f"({messages / wall:.0f} messages/s on one connection)"
    )
    print(f"last_seen of {args.closing} users at once: CPU {closing * 1e3:.0f} ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--closing", type=int, default=1000)
    parser.add_argument("--data-root", default=os.environ.get("TMPDIR"))
    sys.exit(asyncio.run(main(parser.parse_args())))
