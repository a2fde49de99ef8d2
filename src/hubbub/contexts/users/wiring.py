"""Assembly of the users context."""

from hubbub.contexts.users.api import PresenceLookup
from hubbub.contexts.users.cached_store import CachedUserStore
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.contexts.users.store import SqlUserStore
from hubbub.infra.db import Database
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import Cache


def local_users(
    *, db: Database, presence: PresenceLookup, clock: Clock, cache: Cache
) -> LocalUsersApi:
    """The users context running in this process on `db`, profiles read through `cache`."""
    store = CachedUserStore(SqlUserStore(db), cache)
    return LocalUsersApi(store=store, presence=presence, clock=clock)
