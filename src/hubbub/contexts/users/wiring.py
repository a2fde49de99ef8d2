"""Assembly of the users context."""

from hubbub.contexts.users.api import PresenceLookup, UsersApi
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.contexts.users.store import SqlUserStore
from hubbub.infra.db import Database
from hubbub.kernel.clock import Clock


def local_users(*, db: Database, presence: PresenceLookup, clock: Clock) -> UsersApi:
    """The users context running in this process on `db`."""
    return LocalUsersApi(store=SqlUserStore(db), presence=presence, clock=clock)
