"""A cache private to this process (the embedded default), bounded and with expiry."""

from collections.abc import Mapping, Sequence

from hubbub.kernel.cache import TtlCache


class InMemoryCache:
    def __init__(self, *, max_entries: int = 10_000) -> None:
        self._entries: TtlCache[str, bytes] = TtlCache(max_entries=max_entries)

    async def get(self, key: str) -> bytes | None:
        return self._entries.get(key)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self._entries.get(key) for key in keys]

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None:
        self._entries.put(key, value, ttl_seconds=ttl_seconds)

    async def set_many(self, values: Mapping[str, bytes], *, ttl_seconds: float) -> None:
        for key, value in values.items():
            self._entries.put(key, value, ttl_seconds=ttl_seconds)

    async def delete(self, key: str) -> None:
        self._entries.drop(key)
