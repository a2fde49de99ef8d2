"""Profiles read through a short-lived cache shared by every process (user summaries are
read for every chat list and member list; they change rarely).

A decorator of the `UserStore` port: reads by id go to the cache first, and every write of
a profile deletes its entry after the database changed, so another gateway's next read
misses and loads the new profile. Presence is not in the entry; it is always live.
"""

from datetime import datetime
from uuid import UUID

from pydantic_core import to_json

from hubbub.contexts.users.api import UserRecord
from hubbub.contexts.users.ports import UserStore
from hubbub.kernel.ports import Cache


class CachedUserStore:
    def __init__(self, store: UserStore, cache: Cache, *, ttl_seconds: float = 60.0) -> None:
        self._store = store
        self._cache = cache
        self._ttl = ttl_seconds

    async def get(self, user_id: UUID) -> UserRecord | None:
        found = await self.get_many({user_id})
        return found[0] if found else None

    async def get_many(self, user_ids: set[UUID]) -> list[UserRecord]:
        wanted = sorted(user_ids)
        cached = await self._cache.get_many([_key(u) for u in wanted])
        records = [UserRecord.model_validate_json(raw) for raw in cached if raw is not None]
        missing = {u for u, raw in zip(wanted, cached, strict=True) if raw is None}
        if missing:
            loaded = await self._store.get_many(missing)
            # Python-mode dump: the contract's JSON form of times keeps only milliseconds, and a
            # cached profile must read back exactly as the database gave it.
            await self._cache.set_many(
                {_key(r.id): to_json(r.model_dump()) for r in loaded}, ttl_seconds=self._ttl
            )
            records.extend(loaded)
        return records

    async def add(self, user: UserRecord) -> None:
        await self._store.add(user)

    async def by_username(self, username: str) -> UserRecord | None:
        return await self._store.by_username(username)

    async def by_email(self, email: str) -> UserRecord | None:
        return await self._store.by_email(email)

    async def search(self, prefix: str, limit: int) -> list[UserRecord]:
        return await self._store.search(prefix, limit)

    async def update(
        self, user_id: UUID, *, display_name: str | None, discoverable: bool | None
    ) -> None:
        await self._store.update(user_id, display_name=display_name, discoverable=discoverable)
        await self._cache.delete(_key(user_id))

    async def delete(self, user_id: UUID) -> None:
        await self._store.delete(user_id)
        await self._cache.delete(_key(user_id))

    async def erase(self, user_id: UUID, at: datetime) -> None:
        await self._store.erase(user_id, at)
        await self._cache.delete(_key(user_id))

    async def deleted_among(self, user_ids: set[UUID]) -> set[UUID]:
        return await self._store.deleted_among(user_ids)

    async def set_last_seen(self, user_id: UUID, at: datetime) -> None:
        await self._store.set_last_seen(user_id, at)
        await self._cache.delete(_key(user_id))


def _key(user_id: UUID) -> str:
    return f"users:profile:{user_id}"
