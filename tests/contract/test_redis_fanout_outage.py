"""Losing Redis degrades the fan-out, never breaks it: local delivery goes on, publishes do
not raise, and the subscriber reconnects and resubscribes on its own when Redis returns."""

import asyncio
from pathlib import Path

from test_fanout_contract import Listener, settle, started

from hubbub.infra.fanout import RedisFanout
from local_redis import LocalRedis


async def test_delivery_survives_a_redis_restart(tmp_path: Path) -> None:
    with LocalRedis(tmp_path) as server:
        a = RedisFanout(server.url, instance="gw-a", retry_seconds=0.05, max_retry_seconds=0.2)
        b = RedisFanout(server.url, instance="gw-b", retry_seconds=0.05, max_retry_seconds=0.2)
        heard_a, heard_b = Listener(), Listener()
        try:
            await started(a, heard_a, "chat:1")
            await started(b, heard_b, "chat:1")
            await a.publish("chat:1", b"before")
            await heard_b.wait_for(1)

            server.stop()
            await a.publish("chat:1", b"during")  # no exception: Redis is best effort
            assert heard_a.got[-1] == ("chat:1", b"during")  # local delivery goes on
            assert await a.ping() is False

            server.start()
            await a.wait_connected(within=10)
            await b.wait_connected(within=10)
            async with asyncio.timeout(10):
                while len(heard_b.got) < 2:
                    await a.publish("chat:1", b"after")
                    await asyncio.sleep(0.1)
            await settle()
        finally:
            await a.stop()
            await b.stop()

    assert heard_b.got[0] == ("chat:1", b"before")
    assert ("chat:1", b"after") in heard_b.got
    assert ("chat:1", b"during") not in heard_b.got  # pub/sub is fire-and-forget; sync repairs
