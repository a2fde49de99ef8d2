"""LocalAuthApi with in-memory users and credentials and a fast reversible hasher."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from hubbub.contexts.auth import (
    AccountDeletion,
    Credentials,
    PasswordChange,
    Principal,
    Registration,
    UserDeleted,
)
from hubbub.contexts.auth.fakes import (
    InMemoryCredentialStore,
    RecordingSessionNotices,
    ReversibleHasher,
)
from hubbub.contexts.auth.model import issue_token, new_session
from hubbub.contexts.auth.service import LocalAuthApi
from hubbub.contexts.auth.sessions import SessionGate
from hubbub.contexts.users.fakes import FixedPresence, InMemoryUserStore
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.infra.cache import InMemoryCache
from hubbub.kernel.errors import Conflict, Forbidden, Invalid, Unauthorized
from hubbub.kernel.fakes import FixedClock
from hubbub.kernel.ids import new_id

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
    notices: RecordingSessionNotices | None = None,
) -> tuple[LocalAuthApi, InMemoryUserStore]:
    # Token expiry is checked against the wall clock, so tokens are issued at real time.
    clock = clock or FixedClock(datetime.now(UTC))
    store = InMemoryUserStore()
    users = LocalUsersApi(store=store, presence=FixedPresence(), clock=clock)
    credentials = credentials or InMemoryCredentialStore()
    api = LocalAuthApi(
        users=users,
        credentials=credentials,
        hasher=ReversibleHasher(),
        sessions=SessionGate(store=credentials, cache=InMemoryCache(), notices=notices),
        secret=secret,
        ttl_seconds=TTL,
        clock=clock,
    )
    return api, store


def register_request(username: str = "alice", password: str = "correct horse") -> Registration:
    return Registration(username=username, password=password, email=f"{username}@x.org")


async def test_register_then_login_by_username_or_email_yields_a_valid_token() -> None:
    api, _ = auth_api()
    registered = await api.register(registration=register_request())

    for login in (
        Credentials(username="ALICE", password="correct horse"),
        Credentials(email="alice@x.org", password="correct horse"),
    ):
        grant = await api.login(credentials=login)
        assert grant.user.id == registered.id
        assert (grant.token_type, grant.expires_in) == ("bearer", TTL)
        principal = await api.authenticate(grant.token)
        assert (principal.user_id, principal.username) == (registered.id, "alice")


async def test_register_stores_a_hash_not_the_password() -> None:
    credentials = InMemoryCredentialStore()
    api, _ = auth_api(credentials=credentials)

    registered = await api.register(registration=register_request())

    assert credentials.hashes[registered.id] == ReversibleHasher().hash("correct horse")


async def test_a_short_password_creates_nothing() -> None:
    api, store = auth_api()

    with pytest.raises(Invalid):
        await api.register(registration=Registration(username="alice", password="short"))
    assert store.users == {}


async def test_a_taken_username_is_a_conflict() -> None:
    api, _ = auth_api()
    await api.register(registration=register_request())

    with pytest.raises(Conflict):
        await api.register(registration=Registration(username="Alice", password="x" * 8))


async def test_a_failed_credential_write_undoes_the_profile() -> None:
    api, store = auth_api(credentials=BrokenCredentialStore())

    with pytest.raises(RuntimeError):
        await api.register(registration=register_request())
    assert store.users == {}


@pytest.mark.parametrize(
    "login",
    [
        Credentials(username="alice", password="wrong password"),
        Credentials(username="nobody", password="correct horse"),
        Credentials(email="nobody@x.org", password="correct horse"),
    ],
    ids=["wrong-password", "unknown-user", "unknown-email"],
)
async def test_every_bad_login_gets_the_same_answer(login: Credentials) -> None:
    api, _ = auth_api()
    await api.register(registration=register_request())

    with pytest.raises(Unauthorized) as caught:
        await api.login(credentials=login)
    assert (caught.value.code, caught.value.message) == (
        "invalid_credentials",
        "wrong username or password",
    )


async def test_login_without_username_or_email_is_invalid() -> None:
    api, _ = auth_api()

    with pytest.raises(Invalid):
        await api.login(credentials=Credentials(password="correct horse"))


async def test_a_token_issued_longer_ago_than_its_ttl_is_expired() -> None:
    clock = FixedClock(datetime.now(UTC))
    api, _ = auth_api(clock=clock)
    await api.register(registration=register_request())
    grant = await api.login(credentials=Credentials(username="alice", password="correct horse"))
    assert (await api.authenticate(grant.token)).username == "alice"

    clock.advance(TTL + 5)
    with pytest.raises(Unauthorized) as caught:
        await api.authenticate(grant.token)
    assert caught.value.code == "token_expired"


async def test_a_token_signed_with_another_secret_is_refused() -> None:
    api, _ = auth_api()
    await api.register(registration=register_request())
    grant = await api.login(credentials=Credentials(username="alice", password="correct horse"))
    other, _ = auth_api(secret="another-secret-" * 3)

    with pytest.raises(Unauthorized):
        await other.authenticate(grant.token)


async def logged_in(api: LocalAuthApi, times: int = 1) -> list[tuple[str, Principal]]:
    """`times` logins of alice (one per device): (token, principal) each."""
    found = []
    for _ in range(times):
        grant = await api.login(credentials=Credentials(username="alice", password="correct horse"))
        found.append((grant.token, await api.authenticate(grant.token)))
    return found


async def refused(api: LocalAuthApi, token: str) -> str:
    with pytest.raises(Unauthorized) as caught:
        await api.authenticate(token)
    return caught.value.code


async def test_each_login_is_a_session_of_its_own() -> None:
    api, _ = auth_api()
    await api.register(registration=register_request())
    (_, one), (_, two) = await logged_in(api, 2)
    assert one.session_id != two.session_id
    assert one.user_id == two.user_id


async def test_logout_ends_this_session_only_and_tells_every_process() -> None:
    notices = RecordingSessionNotices()
    api, _ = auth_api(notices=notices)
    await api.register(registration=register_request())
    (phone, me), (laptop, _) = await logged_in(api, 2)

    await api.logout(principal=me)

    assert await refused(api, phone) == "session_ended"
    await api.authenticate(laptop)
    assert notices.ended == [(me.user_id, [me.session_id])]


async def test_logout_all_ends_every_session() -> None:
    api, _ = auth_api()
    await api.register(registration=register_request())
    sessions = await logged_in(api, 3)

    await api.logout_all(principal=sessions[0][1])

    for token, _ in sessions:
        assert await refused(api, token) == "session_ended"


async def test_a_password_change_ends_every_other_session() -> None:
    credentials = InMemoryCredentialStore()
    api, _ = auth_api(credentials=credentials)
    await api.register(registration=register_request())
    (here, me), (elsewhere, _) = await logged_in(api, 2)

    change = PasswordChange(old_password="correct horse", new_password="battery staple")
    await api.change_password(principal=me, change=change)

    await api.authenticate(here)
    assert await refused(api, elsewhere) == "session_ended"
    assert credentials.hashes[me.user_id] == ReversibleHasher().hash("battery staple")
    with pytest.raises(Unauthorized):
        await api.login(credentials=Credentials(username="alice", password="correct horse"))
    await api.login(credentials=Credentials(username="alice", password="battery staple"))


async def test_a_wrong_old_password_changes_nothing() -> None:
    api, _ = auth_api()
    await api.register(registration=register_request())
    (_, me), (elsewhere, _) = await logged_in(api, 2)

    with pytest.raises(Forbidden) as caught:
        await api.change_password(
            principal=me,
            change=PasswordChange(old_password="not it at all", new_password="battery staple"),
        )
    assert caught.value.code == "wrong_password"
    await api.authenticate(elsewhere)
    with pytest.raises(Invalid):
        await api.change_password(
            principal=me,
            change=PasswordChange.model_construct(old_password="correct horse", new_password="x"),
        )


async def test_deleting_the_account_ends_everything_and_announces_it() -> None:
    credentials = InMemoryCredentialStore()
    notices = RecordingSessionNotices()
    api, _ = auth_api(credentials=credentials, notices=notices)
    await api.register(registration=register_request())
    (here, me), (elsewhere, _) = await logged_in(api, 2)

    with pytest.raises(Forbidden):
        await api.delete_account(principal=me, deletion=AccountDeletion(password="nope nope"))
    await api.delete_account(principal=me, deletion=AccountDeletion(password="correct horse"))

    for token in (here, elsewhere):
        assert await refused(api, token) == "session_ended"
    assert me.user_id not in credentials.hashes
    [event] = credentials.outbox
    assert isinstance(event, UserDeleted)
    assert (event.user_id, event.key) == (me.user_id, str(me.user_id))
    [(user, ended)] = notices.ended
    assert user == me.user_id
    assert me.session_id in ended and len(ended) == 2


async def test_a_signed_token_of_a_user_who_does_not_exist_is_refused() -> None:
    """A database restored from before the user existed, or a deleted account: the
    signature is right, the session is unknown."""
    api, _ = auth_api()
    ghost = new_session(
        session_id=new_id(), user_id=new_id(), now=datetime.now(UTC), ttl_seconds=TTL
    )
    token = issue_token(session=ghost, username="ghost", secret=SECRET)
    assert await refused(api, token) == "session_ended"


async def test_a_session_of_another_user_is_refused() -> None:
    """A token naming a live session but another user (claims and session must agree)."""
    api, _ = auth_api()
    await api.register(registration=register_request())
    [(_, me)] = await logged_in(api)

    forged = new_session(
        session_id=me.session_id, user_id=new_id(), now=datetime.now(UTC), ttl_seconds=TTL
    )
    assert await refused(api, issue_token(session=forged, username="x", secret=SECRET)) == (
        "session_ended"
    )


async def test_the_api_bounds_a_login_password_itself() -> None:
    """The REST body bounds it too; a gRPC caller reaches the Api without that body."""
    api, _store = auth_api()
    await api.register(registration=register_request())

    with pytest.raises(Invalid, match="at most 1000"):
        await api.login(credentials=Credentials(username="alice", password="x" * 1001))


def test_passwords_stay_out_of_the_dtos_reprs() -> None:
    assert "correct horse" not in repr(register_request())
    assert "secret pw" not in repr(Credentials(username="alice", password="secret pw"))
