"""LocalAuthApi with in-memory users and credentials and a fast reversible hasher."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from hubbub.contexts.auth import LoginRequest, RegisterRequest
from hubbub.contexts.auth.fakes import InMemoryCredentialStore, ReversibleHasher
from hubbub.contexts.auth.service import LocalAuthApi
from hubbub.contexts.users.fakes import FixedPresence, InMemoryUserStore
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.kernel.errors import Conflict, Invalid, Unauthorized
from hubbub.kernel.fakes import FixedClock

SECRET = "test-secret-" * 4
TTL = 3600


class BrokenCredentialStore(InMemoryCredentialStore):
    async def set_password_hash(self, user_id: UUID, password_hash: str) -> None:
        raise RuntimeError("disk full")


def auth_api(
    *,
    credentials: InMemoryCredentialStore | None = None,
    clock: FixedClock | None = None,
    secret: str = SECRET,
) -> tuple[LocalAuthApi, InMemoryUserStore]:
    # Token expiry is checked against the wall clock, so tokens are issued at real time.
    clock = clock or FixedClock(datetime.now(UTC))
    store = InMemoryUserStore()
    users = LocalUsersApi(store=store, presence=FixedPresence(), clock=clock)
    api = LocalAuthApi(
        users=users,
        credentials=credentials or InMemoryCredentialStore(),
        hasher=ReversibleHasher(),
        secret=secret,
        ttl_seconds=TTL,
        clock=clock,
    )
    return api, store


def register_request(username: str = "alice", password: str = "correct horse") -> RegisterRequest:
    return RegisterRequest(username=username, password=password, email=f"{username}@x.org")


async def test_register_then_login_by_username_or_email_yields_a_valid_token() -> None:
    api, _ = auth_api()
    registered = await api.register(request=register_request())

    for login in (
        LoginRequest(username="ALICE", password="correct horse"),
        LoginRequest(email="alice@x.org", password="correct horse"),
    ):
        grant = await api.login(request=login)
        assert grant.user.id == registered.id
        assert (grant.token_type, grant.expires_in) == ("bearer", TTL)
        principal = api.authenticate(grant.token)
        assert (principal.user_id, principal.username) == (registered.id, "alice")


async def test_register_stores_a_hash_not_the_password() -> None:
    credentials = InMemoryCredentialStore()
    api, _ = auth_api(credentials=credentials)

    registered = await api.register(request=register_request())

    assert credentials.hashes[registered.id] == ReversibleHasher().hash("correct horse")


async def test_a_short_password_creates_nothing() -> None:
    api, store = auth_api()

    with pytest.raises(Invalid):
        await api.register(request=register_request(password="short"))
    assert store.users == {}


async def test_a_taken_username_is_a_conflict() -> None:
    api, _ = auth_api()
    await api.register(request=register_request())

    with pytest.raises(Conflict):
        await api.register(request=RegisterRequest(username="Alice", password="x" * 8))


async def test_a_failed_credential_write_undoes_the_profile() -> None:
    api, store = auth_api(credentials=BrokenCredentialStore())

    with pytest.raises(RuntimeError):
        await api.register(request=register_request())
    assert store.users == {}


@pytest.mark.parametrize(
    "login",
    [
        LoginRequest(username="alice", password="wrong password"),
        LoginRequest(username="nobody", password="correct horse"),
        LoginRequest(email="nobody@x.org", password="correct horse"),
    ],
    ids=["wrong-password", "unknown-user", "unknown-email"],
)
async def test_every_bad_login_gets_the_same_answer(login: LoginRequest) -> None:
    api, _ = auth_api()
    await api.register(request=register_request())

    with pytest.raises(Unauthorized) as caught:
        await api.login(request=login)
    assert (caught.value.code, caught.value.message) == (
        "invalid_credentials",
        "wrong username or password",
    )


async def test_login_without_username_or_email_is_invalid() -> None:
    api, _ = auth_api()

    with pytest.raises(Invalid):
        await api.login(request=LoginRequest(password="correct horse"))


async def test_a_token_issued_longer_ago_than_its_ttl_is_expired() -> None:
    clock = FixedClock(datetime.now(UTC))
    api, _ = auth_api(clock=clock)
    await api.register(request=register_request())
    grant = await api.login(request=LoginRequest(username="alice", password="correct horse"))
    assert api.authenticate(grant.token).username == "alice"

    clock.advance(TTL + 5)
    with pytest.raises(Unauthorized) as caught:
        api.authenticate(grant.token)
    assert caught.value.code == "token_expired"


async def test_a_token_signed_with_another_secret_is_refused() -> None:
    api, _ = auth_api()
    await api.register(request=register_request())
    grant = await api.login(request=LoginRequest(username="alice", password="correct horse"))
    other, _ = auth_api(secret="another-secret-" * 3)

    with pytest.raises(Unauthorized):
        other.authenticate(grant.token)
