"""CachedUserStore: profiles by id come from the shared cache; every write invalidates."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from hubbub.contexts.users.api import UserRecord
from hubbub.contexts.users.cached_store import CachedUserStore
from hubbub.contexts.users.fakes import InMemoryUserStore, a_profile
from hubbub.infra.cache import InMemoryCache
from hubbub.kernel.ids import new_id

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


class CountingStore(InMemoryUserStore):
    """Counts the profiles read by id, i.e. what the cache did not answer."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded = 0

    async def get_many(self, user_ids: set[UUID]) -> list[UserRecord]:
        self.loaded += len(user_ids)
        return await super().get_many(user_ids)


def profile(name: str) -> UserRecord:
    return a_profile(name, discoverable=True, at=NOW)


@pytest.fixture
async def shared() -> tuple[CountingStore, InMemoryCache, list[UserRecord]]:
    store, cache = CountingStore(), InMemoryCache()
    people = [profile("alice"), profile("bob")]
    for person in people:
        await store.add(person)
    return store, cache, people


async def test_a_profile_is_loaded_once_then_served_from_the_cache(
    shared: tuple[CountingStore, InMemoryCache, list[UserRecord]],
) -> None:
    store, cache, (alice, bob) = shared
    gateway_a, gateway_b = CachedUserStore(store, cache), CachedUserStore(store, cache)

    first = await gateway_a.get_many({alice.id, bob.id, new_id()})
    again = await gateway_b.get_many({alice.id, bob.id})

    assert (
        sorted(r.username for r in first) == sorted(r.username for r in again) == ["alice", "bob"]
    )
    assert await gateway_b.get(alice.id) == alice
    assert store.loaded == 3  # alice, bob and the unknown id, once; the rest came from the cache


async def test_every_write_of_a_profile_is_seen_by_the_other_processes(
    shared: tuple[CountingStore, InMemoryCache, list[UserRecord]],
) -> None:
    store, cache, (alice, _) = shared
    gateway_a, gateway_b = CachedUserStore(store, cache), CachedUserStore(store, cache)
    await gateway_b.get(alice.id)  # cached

    await gateway_a.update(alice.id, display_name="Alice A.", discoverable=None)
    renamed = await gateway_b.get(alice.id)
    await gateway_a.set_last_seen(alice.id, NOW)
    seen = await gateway_b.get(alice.id)
    await gateway_a.delete(alice.id)
    gone = await gateway_b.get(alice.id)

    assert renamed is not None and renamed.display_name == "Alice A."
    assert seen is not None and seen.last_seen_at == NOW
    assert gone is None
