"""The UsersApi contract, over the local service and over its gRPC client against a real
grpc.aio server, each on SQLite and on PostgreSQL: a change that breaks one side breaks the
other. The users service behind the server is the local one on the same database, so any
difference is the wire's (conversions, errors, optional fields, time precision)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from hubbub.contexts.users import NewUser, ProfileUpdate, UsersApi
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.contexts.users.wiring import local_users
from hubbub.infra.cache import InMemoryCache
from hubbub.infra.db import Database
from hubbub.infra.presence import InMemoryPresence
from hubbub.kernel.clock import SystemClock
from hubbub.kernel.errors import Conflict, Invalid, NotFound
from hubbub.kernel.ids import new_id
from rpc_servers import served_users


@dataclass
class World:
    users: UsersApi
    presence: InMemoryPresence
    """Who is connected (realtime's, asked by the users service)."""
    local: LocalUsersApi
    """The service itself (what only its own consumers call: `erase`)."""


@pytest.fixture(params=["local", "grpc"])
async def world(request: pytest.FixtureRequest, db: Database) -> AsyncIterator[World]:
    presence = InMemoryPresence()
    local = local_users(db=db, presence=presence, clock=SystemClock(), cache=InMemoryCache())
    if request.param == "local":
        yield World(local, presence, local)
        return
    async with served_users(local) as remote:
        yield World(remote, presence, local)


async def test_create_returns_the_stored_profile(world: World) -> None:
    before = datetime.now(UTC)

    created = await world.users.create(
        new=NewUser(username="Alice", display_name="  ", email="a@x.org")
    )

    assert created.username == "Alice"
    assert created.display_name == "Alice"  # blank falls back to the username
    assert created.email == "a@x.org"
    assert created.discoverable is False
    assert created.last_seen_at is None
    assert before - timedelta(seconds=1) <= created.created_at <= datetime.now(UTC)
    assert created.created_at.tzinfo is not None
    assert await world.users.find_login(username="alice", email=None) == created


async def test_a_profile_without_email_has_none(world: World) -> None:
    created = await world.users.create(new=NewUser(username="bob", display_name="Bobby"))

    assert created.email is None
    assert created.display_name == "Bobby"
    assert await world.users.find_login(username="BOB", email=None) == created


@pytest.mark.parametrize(
    ("second", "code"),
    [
        (NewUser(username="ALICE"), "username_taken"),
        (NewUser(username="bob", email="A@X.org"), "email_taken"),
    ],
)
async def test_usernames_and_emails_are_unique_case_insensitively(
    world: World, second: NewUser, code: str
) -> None:
    await world.users.create(new=NewUser(username="alice", email="a@x.org"))

    with pytest.raises(Conflict) as caught:
        await world.users.create(new=second)

    assert (caught.value.status, caught.value.code) == (409, code)


@pytest.mark.parametrize(
    ("new", "code"),
    [
        (NewUser(username="a b"), "invalid_username"),
        (NewUser(username="alice", email="nope"), "invalid_email"),
        (NewUser(username="alice", display_name="x" * 101), "invalid_display_name"),
    ],
)
async def test_a_malformed_profile_is_refused_and_not_stored(
    world: World, new: NewUser, code: str
) -> None:
    with pytest.raises(Invalid) as caught:
        await world.users.create(new=new)

    assert (caught.value.status, caught.value.code) == (422, code)
    assert await world.users.find_login(username="alice", email=None) is None


async def test_get_reports_presence(world: World) -> None:
    alice = await world.users.create(new=NewUser(username="alice", display_name="Alice A"))
    seen = await world.users.get(user_id=alice.id)
    assert (seen.id, seen.username, seen.display_name, seen.online) == (
        alice.id,
        "alice",
        "Alice A",
        False,
    )

    await world.presence.connect(alice.id)

    assert (await world.users.get(user_id=alice.id)).online is True


async def test_get_of_an_unknown_user_is_not_found(world: World) -> None:
    with pytest.raises(NotFound) as caught:
        await world.users.get(user_id=new_id())

    assert (caught.value.status, caught.value.code) == (404, "user_not_found")


async def test_get_many_returns_only_existing_profiles(world: World) -> None:
    alice = await world.users.create(new=NewUser(username="alice"))
    bob = await world.users.create(new=NewUser(username="bob"))
    await world.presence.connect(bob.id)

    found = await world.users.get_many(user_ids={alice.id, bob.id, new_id()})

    assert set(found) == {alice.id, bob.id}
    assert found[bob.id] == await world.users.get(user_id=bob.id)
    assert found[bob.id].online is True
    assert await world.users.get_many(user_ids=set()) == {}


async def test_find_login_by_username_or_email(world: World) -> None:
    alice = await world.users.create(new=NewUser(username="Alice", email="Alice@X.org"))

    assert await world.users.find_login(username="aLiCe", email=None) == alice
    assert await world.users.find_login(username=None, email="alice@x.org") == alice
    assert await world.users.find_login(username="alice", email="other@x.org") == alice
    assert await world.users.find_login(username="nobody", email=None) is None
    assert await world.users.find_login(username=None, email=None) is None
    assert await world.users.find_login(username="", email="alice@x.org") == alice


async def test_search_by_prefix_in_username_order(world: World) -> None:
    for name in ("carol", "Carl", "cara_b", "carax", "dave"):
        await world.users.create(new=NewUser(username=name))

    found = await world.users.search(prefix="CAR", limit=10)
    assert [u.username for u in found] == ["cara_b", "carax", "Carl", "carol"]
    assert [u.username for u in await world.users.search(prefix="car", limit=2)] == [
        "cara_b",
        "carax",
    ]
    # LIKE's wildcards are literal characters in a prefix
    assert [u.username for u in await world.users.search(prefix="cara_", limit=10)] == ["cara_b"]
    assert await world.users.search(prefix="%", limit=10) == []
    assert await world.users.search(prefix="   ", limit=10) == []


async def test_update_changes_only_what_is_given(world: World) -> None:
    alice = await world.users.create(new=NewUser(username="alice"))

    renamed = await world.users.update(user_id=alice.id, change=ProfileUpdate(display_name="Al"))
    assert renamed.display_name == "Al"
    found = await world.users.update(user_id=alice.id, change=ProfileUpdate(discoverable=True))
    assert found.display_name == "Al"

    stored = await world.users.find_login(username="alice", email=None)
    assert stored is not None
    assert (stored.display_name, stored.discoverable) == ("Al", True)
    unchanged = await world.users.update(user_id=alice.id, change=ProfileUpdate())
    assert unchanged == await world.users.get(user_id=alice.id)


async def test_update_refuses_bad_values_and_unknown_users(world: World) -> None:
    alice = await world.users.create(new=NewUser(username="alice"))

    with pytest.raises(Invalid) as caught:
        await world.users.update(user_id=alice.id, change=ProfileUpdate(display_name="x" * 101))
    assert caught.value.code == "invalid_display_name"
    with pytest.raises(NotFound):
        await world.users.update(user_id=new_id(), change=ProfileUpdate(display_name="Bob"))
    assert (await world.users.get(user_id=alice.id)).display_name == "alice"


async def test_delete_removes_a_profile(world: World) -> None:
    alice = await world.users.create(new=NewUser(username="alice"))

    await world.users.delete(user_id=alice.id)
    await world.users.delete(user_id=new_id())  # unknown: nothing happens

    with pytest.raises(NotFound):
        await world.users.get(user_id=alice.id)
    again = await world.users.create(new=NewUser(username="alice"))
    assert again.id != alice.id


async def test_last_seen_is_kept_to_the_microsecond(world: World) -> None:
    alice = await world.users.create(new=NewUser(username="alice"))
    at = datetime(2026, 11, 22, 10, 0, 0, 123456, tzinfo=UTC)

    await world.users.touch_last_seen(user_id=alice.id, at=at)

    assert (await world.users.get(user_id=alice.id)).last_seen_at == at
    assert (await world.users.get_many(user_ids={alice.id}))[alice.id].last_seen_at == at
    stored = await world.users.find_login(username="alice", email=None)
    assert stored is not None
    assert stored.last_seen_at == at


async def test_an_erased_account_shows_as_deleted(world: World) -> None:
    created = await world.users.create(new=NewUser(username="gone"))
    await world.local.erase(user_id=created.id)

    view = await world.users.get(user_id=created.id)

    assert view.deleted is True
    assert (await world.users.get_many(user_ids={created.id}))[created.id].deleted is True


async def test_discoverable_among_names_only_those_who_opted_in(world: World) -> None:
    alice = await world.users.create(new=NewUser(username="alice"))
    bob = await world.users.create(new=NewUser(username="bob"))
    carol = await world.users.create(new=NewUser(username="carol"))
    await world.users.update(user_id=alice.id, change=ProfileUpdate(discoverable=True))
    await world.users.update(user_id=carol.id, change=ProfileUpdate(discoverable=True))
    await world.users.update(user_id=carol.id, change=ProfileUpdate(discoverable=False))
    everyone = {alice.id, bob.id, carol.id, new_id()}

    assert await world.users.discoverable_among(user_ids=everyone) == {alice.id}
    assert await world.users.discoverable_among(user_ids=set()) == set()
