"""Assembly of the auth context."""

from hubbub.contexts.auth.api import AuthApi
from hubbub.contexts.auth.hashing import Argon2PasswordHasher
from hubbub.contexts.auth.service import LocalAuthApi
from hubbub.contexts.auth.store import SqlCredentialStore
from hubbub.contexts.users import UsersApi
from hubbub.infra.db import Database
from hubbub.kernel.clock import Clock


def local_auth(
    *, db: Database, users: UsersApi, secret: str, ttl_seconds: int, clock: Clock
) -> AuthApi:
    """The auth context running in this process on `db`."""
    return LocalAuthApi(
        users=users,
        credentials=SqlCredentialStore(db),
        hasher=Argon2PasswordHasher(),
        secret=secret,
        ttl_seconds=ttl_seconds,
        clock=clock,
    )
