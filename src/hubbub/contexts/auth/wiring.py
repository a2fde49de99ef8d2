"""Assembly of the auth context."""

from hubbub.contexts.auth.hashing import Argon2PasswordHasher
from hubbub.contexts.auth.service import LocalAuthApi
from hubbub.contexts.auth.sessions import SessionGate
from hubbub.contexts.auth.store import SqlCredentialStore
from hubbub.contexts.users import UsersApi
from hubbub.infra.db import Database
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import Cache


def local_auth(
    *, db: Database, users: UsersApi, cache: Cache, secret: str, ttl_seconds: int, clock: Clock
) -> tuple[LocalAuthApi, SessionGate]:
    """The auth context running in this process on `db`, and its session gate (which the
    process wires to the fan-out: `bind_notices`, and `forget` on notices from others)."""
    store = SqlCredentialStore(db)
    gate = SessionGate(store=store, cache=cache)
    api = LocalAuthApi(
        users=users,
        credentials=store,
        hasher=Argon2PasswordHasher(),
        sessions=gate,
        secret=secret,
        ttl_seconds=ttl_seconds,
        clock=clock,
    )
    return api, gate
