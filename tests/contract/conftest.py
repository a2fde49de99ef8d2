"""Fixtures for the port contract suites: each suite runs over every adapter of its port,
against the real engines (the machine's Redis, a Tansu broker the suite starts itself).

Redis is shared with other test runs, so every test works in its own random namespace and
never flushes anything. The contexts' `Api` suites run on a migrated database of each engine
(the integration tier's fixtures).
"""

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.asyncio import Redis
from tansu_broker import TANSU_CONSUMER_TUNING, kafka_bootstrap  # noqa: F401  (fixture)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))  # db_fixtures
from db_fixtures import db, db_url, postgres_database, sqlite_template  # noqa: F401

from hubbub.kernel.ids import new_id
from local_redis import SHARED_REDIS_URL as REDIS_URL


@pytest.fixture
def namespace() -> str:
    """A key/topic prefix of this test's own."""
    return f"test-{new_id().hex[-12:]}"


@pytest.fixture
async def redis(namespace: str) -> AsyncIterator[Redis]:
    """A client of the machine's Redis; the test's keys are deleted afterwards."""
    client = Redis.from_url(REDIS_URL)
    try:
        await client.ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"Redis is not reachable at {REDIS_URL}: {exc}")
    yield client
    keys = [key async for key in client.scan_iter(match=f"{namespace}*", count=1000)]
    if keys:
        await client.delete(*keys)
    await client.aclose()


@pytest.fixture(params=["memory", "redis", "kafka"])
def bus_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of each bus adapter in turn (Kafka is a Tansu broker, see tansu_broker.py)."""
    if request.param == "memory":
        yield "memory://"
    elif request.param == "redis":
        yield REDIS_URL
    else:
        # Tansu paces group changes by the session timeout: keep sessions short in tests.
        tuning = "&".join(f"{k}={v}" for k, v in TANSU_CONSUMER_TUNING.items())
        yield f"kafka://{request.getfixturevalue('kafka_bootstrap')}?{tuning}&stop_timeout_seconds=2"
