"""The AuthApi contract, over the local service and over its gRPC client against a real
grpc.aio server, each on SQLite and on PostgreSQL: a change that breaks one side breaks the
other (the users pattern of tests/contract/test_users_api.py)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from hubbub.contexts.auth import (
    AccountDeletion,
    AuthApi,
    Credentials,
    PasswordChange,
    Registration,
)
from hubbub.contexts.auth.wiring import auth_channel, local_auth, remote_auth, serve_auth
from hubbub.contexts.users import UsersApi
from hubbub.contexts.users.wiring import local_users
from hubbub.infra.cache import InMemoryCache
from hubbub.infra.db import Database
from hubbub.infra.presence import InMemoryPresence
from hubbub.kernel.clock import SystemClock
from hubbub.kernel.errors import Conflict, Forbidden, Invalid, Unauthorized
from hubbub.kernel.ids import new_id
from rpc_servers import served_over_grpc

PASSWORD = "correct horse"


@dataclass
class World:
    auth: AuthApi
    users: UsersApi  # the users context auth creates profiles in (local)


@pytest.fixture(params=["local", "grpc"])
async def world(request: pytest.FixtureRequest, db: Database) -> AsyncIterator[World]:
    clock = SystemClock()
    cache = InMemoryCache()
    users = local_users(db=db, presence=InMemoryPresence(), clock=clock, cache=cache)
    local, _sessions = local_auth(
        db=db, users=users, cache=cache, secret="s" * 48, ttl_seconds=3600, clock=clock
    )
    if request.param == "local":
        yield World(local, users)
        return
    async with served_over_grpc(
        local, serve=serve_auth, channel=auth_channel, remote=remote_auth
    ) as remote:
        yield World(remote, users)


async def register(world: World, name: str = "alice") -> None:
    await world.auth.register(
        registration=Registration(username=name, password=PASSWORD, email=f"{name}@x.org")
    )


async def test_register_login_and_validate_a_token(world: World) -> None:
    before = datetime.now(UTC)
    registered = await world.auth.register(
        registration=Registration(username="Alice", password=PASSWORD, display_name="Al")
    )
    assert (registered.username, registered.display_name) == ("Alice", "Al")
    assert before - timedelta(seconds=1) <= registered.created_at <= datetime.now(UTC)

    by_name = await world.auth.login(credentials=Credentials(username="alice", password=PASSWORD))
    assert by_name.token_type == "bearer" and by_name.expires_in == 3600
    assert by_name.user.id == registered.id

    principal = await world.auth.authenticate(by_name.token)
    assert (principal.user_id, principal.username) == (registered.id, "Alice")
    await world.auth.check_session(principal=principal)


async def test_login_by_email(world: World) -> None:
    await register(world)
    grant = await world.auth.login(credentials=Credentials(email="alice@x.org", password=PASSWORD))
    assert grant.user.username == "alice"


async def test_a_taken_username_is_a_conflict(world: World) -> None:
    await register(world)
    with pytest.raises(Conflict) as caught:
        await world.auth.register(registration=Registration(username="ALICE", password=PASSWORD))
    assert caught.value.code == "username_taken"


async def test_a_short_password_is_invalid_and_creates_nothing(world: World) -> None:
    with pytest.raises(Invalid):
        await world.auth.register(registration=Registration(username="bob", password="short"))
    assert await world.users.find_login(username="bob", email=None) is None


async def test_every_mismatch_is_the_same_unauthorized(world: World) -> None:
    await register(world)
    for credentials in (
        Credentials(username="alice", password="wrong password"),
        Credentials(username="nobody", password=PASSWORD),
    ):
        with pytest.raises(Unauthorized) as caught:
            await world.auth.login(credentials=credentials)
        assert caught.value.code == "invalid_credentials"
    with pytest.raises(Unauthorized):
        await world.auth.authenticate("not.a.token")


async def test_an_overlong_password_is_invalid(world: World) -> None:
    with pytest.raises(Invalid):
        await world.auth.login(credentials=Credentials(username="alice", password="x" * 1001))


async def test_logout_ends_the_session_and_logout_all_every_one(world: World) -> None:
    await register(world)
    credentials = Credentials(username="alice", password=PASSWORD)
    first, second, third = [await world.auth.login(credentials=credentials) for _ in range(3)]

    await world.auth.logout(principal=await world.auth.authenticate(first.token))
    with pytest.raises(Unauthorized):
        await world.auth.authenticate(first.token)
    still = await world.auth.authenticate(second.token)

    await world.auth.logout_all(principal=still)
    for grant in (second, third):
        with pytest.raises(Unauthorized):
            await world.auth.authenticate(grant.token)


async def test_a_session_of_someone_else_is_not_live(world: World) -> None:
    await register(world)
    grant = await world.auth.login(credentials=Credentials(username="alice", password=PASSWORD))
    principal = await world.auth.authenticate(grant.token)
    forged = principal.model_copy(update={"user_id": new_id()})
    with pytest.raises(Unauthorized):
        await world.auth.check_session(principal=forged)


async def test_changing_the_password_ends_the_other_sessions(world: World) -> None:
    await register(world)
    credentials = Credentials(username="alice", password=PASSWORD)
    mine, other = [await world.auth.login(credentials=credentials) for _ in range(2)]
    me = await world.auth.authenticate(mine.token)

    with pytest.raises(Forbidden):
        await world.auth.change_password(
            principal=me,
            change=PasswordChange(old_password="wrong password", new_password="battery staple"),
        )
    await world.auth.change_password(
        principal=me, change=PasswordChange(old_password=PASSWORD, new_password="battery staple")
    )

    await world.auth.check_session(principal=me)
    with pytest.raises(Unauthorized):
        await world.auth.authenticate(other.token)
    with pytest.raises(Unauthorized):
        await world.auth.login(credentials=credentials)
    await world.auth.login(credentials=Credentials(username="alice", password="battery staple"))


async def test_deleting_the_account_needs_its_password(world: World) -> None:
    await register(world)
    grant = await world.auth.login(credentials=Credentials(username="alice", password=PASSWORD))
    me = await world.auth.authenticate(grant.token)

    with pytest.raises(Forbidden):
        await world.auth.delete_account(
            principal=me, deletion=AccountDeletion(password="wrong password")
        )
    await world.auth.delete_account(principal=me, deletion=AccountDeletion(password=PASSWORD))

    with pytest.raises(Unauthorized):
        await world.auth.authenticate(grant.token)
    with pytest.raises(Unauthorized):
        await world.auth.login(credentials=Credentials(username="alice", password=PASSWORD))
