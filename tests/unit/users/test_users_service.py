"""LocalUsersApi over the in-memory store, with fixed presence and clock."""

import pytest

from hubbub.contexts.users import NewUser, ProfileUpdate
from hubbub.contexts.users.fakes import FixedPresence, InMemoryUserStore
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.kernel.errors import Conflict, Invalid, NotFound
from hubbub.kernel.fakes import FixedClock
from hubbub.kernel.ids import new_id


@pytest.fixture
def presence() -> FixedPresence:
    return FixedPresence()


@pytest.fixture
def users(clock: FixedClock, presence: FixedPresence) -> LocalUsersApi:
    return LocalUsersApi(store=InMemoryUserStore(), presence=presence, clock=clock)


async def test_create_fills_defaults_from_the_clock(
    users: LocalUsersApi, clock: FixedClock
) -> None:
    created = await users.create(new=NewUser(username="Alice", email="a@x.org"))

    assert created.username == "Alice"
    assert created.display_name == "Alice"
    assert created.email == "a@x.org"
    assert created.discoverable is False
    assert created.created_at == clock.now()
    assert created.last_seen_at is None


@pytest.mark.parametrize(
    ("second", "code"),
    [
        (NewUser(username="ALICE"), "username_taken"),
        (NewUser(username="bob", email="A@X.org"), "email_taken"),
    ],
)
async def test_usernames_and_emails_are_unique_case_insensitively(
    users: LocalUsersApi, second: NewUser, code: str
) -> None:
    await users.create(new=NewUser(username="alice", email="a@x.org"))

    with pytest.raises(Conflict) as caught:
        await users.create(new=second)
    assert caught.value.code == code


async def test_create_refuses_a_malformed_profile(users: LocalUsersApi) -> None:
    with pytest.raises(Invalid):
        await users.create(new=NewUser(username="a b"))
    with pytest.raises(Invalid):
        await users.create(new=NewUser(username="alice", email="nope"))


async def test_get_reports_presence(users: LocalUsersApi, presence: FixedPresence) -> None:
    alice = await users.create(new=NewUser(username="alice"))
    assert (await users.get(user_id=alice.id)).online is False

    presence.online.add(alice.id)

    assert (await users.get(user_id=alice.id)).online is True


async def test_get_of_an_unknown_user_is_not_found(users: LocalUsersApi) -> None:
    with pytest.raises(NotFound):
        await users.get(user_id=new_id())


async def test_get_many_returns_only_existing_profiles(users: LocalUsersApi) -> None:
    alice = await users.create(new=NewUser(username="alice"))

    found = await users.get_many(user_ids={alice.id, new_id()})

    assert list(found) == [alice.id]
    assert await users.get_many(user_ids=set()) == {}


async def test_find_login_by_username_any_case_or_by_email(users: LocalUsersApi) -> None:
    alice = await users.create(new=NewUser(username="Alice", email="a@x.org"))

    by_name = await users.find_login(username="aLiCe", email=None)
    by_email = await users.find_login(username=None, email="A@X.ORG")

    assert by_name is not None and by_name.id == alice.id
    assert by_email is not None and by_email.id == alice.id
    assert await users.find_login(username=None, email=None) is None


async def test_search_is_a_case_insensitive_prefix_match_in_username_order(
    users: LocalUsersApi,
) -> None:
    for name in ("alicia", "Alice", "bob", "al_x", "alxx"):
        await users.create(new=NewUser(username=name))

    found = await users.search(prefix="ALI", limit=10)
    literal = await users.search(prefix="al_", limit=10)

    assert [u.username for u in found] == ["Alice", "alicia"]
    assert [u.username for u in literal] == ["al_x"]  # "_" is not a wildcard
    assert len(await users.search(prefix="al", limit=2)) == 2
    assert await users.search(prefix="   ", limit=10) == []


async def test_update_changes_only_the_given_fields(users: LocalUsersApi) -> None:
    alice = await users.create(new=NewUser(username="alice", display_name="Alice"))

    renamed = await users.update(user_id=alice.id, change=ProfileUpdate(display_name=" Al "))
    await users.update(user_id=alice.id, change=ProfileUpdate(discoverable=True))
    blanked = await users.update(user_id=alice.id, change=ProfileUpdate(display_name=" "))

    assert renamed.display_name == "Al"
    assert blanked.display_name == "alice"  # a blank name falls back to the username
    record = await users.find_login(username="alice", email=None)
    assert record is not None and record.discoverable is True


async def test_update_of_an_unknown_user_is_not_found(users: LocalUsersApi) -> None:
    with pytest.raises(NotFound):
        await users.update(user_id=new_id(), change=ProfileUpdate(display_name="x"))


async def test_touch_last_seen_and_delete(users: LocalUsersApi, clock: FixedClock) -> None:
    alice = await users.create(new=NewUser(username="alice"))

    await users.touch_last_seen(user_id=alice.id, at=clock.advance(60))
    assert (await users.get(user_id=alice.id)).last_seen_at == clock.now()

    await users.delete(user_id=alice.id)
    with pytest.raises(NotFound):
        await users.get(user_id=alice.id)
