"""TtlCache: expiry by monotonic time, LRU bound, explicit drop."""

from types import SimpleNamespace

import pytest

from hubbub.kernel import cache as cache_module
from hubbub.kernel.cache import TtlCache


@pytest.fixture
def now(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The cache module's monotonic time, set by the test through `now.value`."""
    fake = SimpleNamespace(value=1000.0)
    monkeypatch.setattr(cache_module, "time", SimpleNamespace(monotonic=lambda: fake.value))
    return fake


def test_a_value_lives_until_its_ttl_passes(now: SimpleNamespace) -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_seconds=30)
    cache.put("a", 1)

    now.value += 30
    assert cache.get("a") == 1
    now.value += 0.001
    assert cache.get("a") is None


def test_missing_and_dropped_keys_answer_none(now: SimpleNamespace) -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_seconds=30)
    cache.put("a", 1)
    cache.drop("a")
    cache.drop("never-there")

    assert cache.get("a") is None


def test_put_renews_the_ttl(now: SimpleNamespace) -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_seconds=10)
    cache.put("a", 1)
    now.value += 8
    cache.put("a", 2)
    now.value += 8

    assert cache.get("a") == 2


def test_the_least_recently_used_entry_is_evicted_first(now: SimpleNamespace) -> None:
    cache: TtlCache[str, int] = TtlCache(ttl_seconds=30, max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the most recently used

    cache.put("c", 3)

    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
