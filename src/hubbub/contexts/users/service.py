"""LocalUsersApi: the users context running in this process."""

from datetime import datetime
from uuid import UUID

from hubbub.contexts.users import model
from hubbub.contexts.users.api import NewUser, PresenceLookup, ProfileUpdate, UserRecord, UserView
from hubbub.contexts.users.ports import UserStore
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import NotFound
from hubbub.kernel.ids import new_id


class LocalUsersApi:
    def __init__(self, *, store: UserStore, presence: PresenceLookup, clock: Clock) -> None:
        self._store = store
        self._presence = presence
        self._clock = clock

    async def create(self, *, new: NewUser) -> UserRecord:
        """Create a profile after checking its fields."""
        username = model.check_username(new.username)
        record = UserRecord(
            id=new_id(),
            username=username,
            display_name=model.check_display_name(new.display_name, fallback=username),
            email=model.check_email(new.email),
            discoverable=False,
            created_at=self._clock.now(),
            last_seen_at=None,
        )
        await self._store.add(record)
        return record

    async def get(self, *, user_id: UUID) -> UserView:
        """A profile with presence, or how a deleted account shows."""
        found = await self.get_many(user_ids={user_id})
        if user_id not in found:
            raise NotFound("user not found", code="user_not_found")
        return found[user_id]

    async def get_many(self, *, user_ids: set[UUID]) -> dict[UUID, UserView]:
        """Profiles, by id, for those that exist; deleted accounts as such."""
        if not user_ids:
            return {}
        views = {view.id: view for view in await self._views(await self._store.get_many(user_ids))}
        missing = user_ids - views.keys()
        for gone in await self._store.deleted_among(missing) if missing else ():
            views[gone] = UserView.of_deleted(gone)
        return views

    async def discoverable_among(self, *, user_ids: set[UUID]) -> set[UUID]:
        """Which of these people opted in to matching."""
        if not user_ids:
            return set()
        return {r.id for r in await self._store.get_many(user_ids) if r.discoverable}

    async def find_login(self, *, username: str | None, email: str | None) -> UserRecord | None:
        """The profile named by a login form (Invalid for control characters in it)."""
        username = model.check_login_name(username, "username")
        email = model.check_login_name(email, "email")
        if username:
            return await self._store.by_username(username)
        if email:
            return await self._store.by_email(email)
        return None

    async def search(self, *, prefix: str, limit: int) -> list[UserView]:
        """Prefix search on usernames."""
        normalised = model.search_prefix(prefix)
        if not normalised:
            return []
        return await self._views(await self._store.search(normalised, limit))

    async def update(self, *, user_id: UUID, change: ProfileUpdate) -> UserView:
        """Change display name and/or discoverability."""
        current = await self.get(user_id=user_id)
        if current.deleted:
            raise NotFound("user not found", code="user_not_found")
        display_name = None
        if change.display_name is not None:
            display_name = model.check_display_name(change.display_name, fallback=current.username)
        await self._store.update(
            user_id, display_name=display_name, discoverable=change.discoverable
        )
        return await self.get(user_id=user_id)

    async def delete(self, *, user_id: UUID) -> None:
        """Remove a profile."""
        await self._store.delete(user_id)

    async def erase(self, *, user_id: UUID) -> None:
        """Erase a deleted account's profile (on `user.deleted`); its id stays known as a
        deleted account. Idempotent."""
        await self._store.erase(user_id, self._clock.now())

    async def touch_last_seen(self, *, user_id: UUID, at: datetime) -> None:
        """Record the last time the user was connected."""
        await self._store.set_last_seen(user_id, at)

    async def _views(self, records: list[UserRecord]) -> list[UserView]:
        online = await self._presence.online_among({r.id for r in records})
        return [
            UserView(
                id=r.id,
                username=r.username,
                display_name=r.display_name,
                online=r.id in online,
                last_seen_at=r.last_seen_at,
            )
            for r in records
        ]
