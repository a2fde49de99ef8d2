"""SqlUserStore and SqlCredentialStore on SQLite and PostgreSQL."""

import asyncio
from datetime import UTC, datetime, timedelta, timezone

import pytest

from hubbub.contexts.auth.store import SqlCredentialStore
from hubbub.contexts.users import UserRecord
from hubbub.contexts.users.fakes import a_profile
from hubbub.contexts.users.model import search_prefix
from hubbub.contexts.users.store import SqlUserStore
from hubbub.infra.db import Database
from hubbub.kernel.errors import Conflict
from hubbub.kernel.ids import new_id

CREATED = datetime(2026, 11, 22, 10, 0, 0, 123000, tzinfo=UTC)


def user(username: str, email: str | None = None) -> UserRecord:
    return a_profile(username, email=email, at=CREATED)


@pytest.fixture
def users(db: Database) -> SqlUserStore:
    return SqlUserStore(db)


async def test_a_profile_round_trips(users: SqlUserStore) -> None:
    alice = user("Alice", "Alice@X.org")
    await users.add(alice)

    assert await users.get(alice.id) == alice
    assert await users.by_username("aLICE") == alice
    assert await users.by_email("alice@x.ORG") == alice
    assert await users.get(new_id()) is None
    assert await users.by_username("bob") is None


@pytest.mark.parametrize(
    ("second", "code"),
    [(user("ALICE"), "username_taken"), (user("bob", "ALICE@x.org"), "email_taken")],
)
async def test_username_and_email_are_unique_case_insensitively(
    users: SqlUserStore, second: UserRecord, code: str
) -> None:
    await users.add(user("alice", "alice@x.org"))

    with pytest.raises(Conflict) as caught:
        await users.add(second)
    assert caught.value.code == code


async def test_many_users_may_have_no_email(users: SqlUserStore) -> None:
    await users.add(user("alice"))
    await users.add(user("bob"))

    assert len(await users.search("", 10)) == 2


async def test_get_many(users: SqlUserStore) -> None:
    alice, bob = user("alice"), user("bob")
    for record in (alice, bob, user("carol")):
        await users.add(record)

    found = await users.get_many({alice.id, bob.id, new_id()})

    assert {u.id for u in found} == {alice.id, bob.id}


async def test_search_is_a_prefix_match_where_wildcards_are_literal(users: SqlUserStore) -> None:
    for name in ("alice", "Alicia", "al_x", "alxx", "al%y", "bob"):
        await users.add(user(name))

    async def names(query: str, limit: int = 10) -> list[str]:
        return [u.username for u in await users.search(search_prefix(query), limit)]

    assert await names("ALI") == ["alice", "Alicia"]
    assert await names("al_") == ["al_x"]
    assert await names("al%") == ["al%y"]
    assert await names("al", limit=2) == ["al%y", "al_x"]


async def test_update_changes_only_the_given_fields(users: SqlUserStore) -> None:
    alice = user("alice")
    await users.add(alice)

    await users.update(alice.id, display_name="Al", discoverable=None)
    await users.update(alice.id, display_name=None, discoverable=True)
    await users.update(alice.id, display_name=None, discoverable=None)

    assert await users.get(alice.id) == alice.model_copy(
        update={"display_name": "Al", "discoverable": True}
    )


async def test_last_seen_is_stored_as_utc(users: SqlUserStore) -> None:
    alice = user("alice")
    await users.add(alice)
    moment = datetime(2026, 11, 22, 13, 30, 0, 500000, tzinfo=timezone(timedelta(hours=3)))

    await users.set_last_seen(alice.id, moment)

    stored = await users.get(alice.id)
    assert stored is not None and stored.last_seen_at == moment
    assert stored.last_seen_at is not None and stored.last_seen_at.tzinfo == UTC


async def test_last_seen_of_many_users_closing_at_once_is_one_transaction(
    users: SqlUserStore, db: Database
) -> None:
    """1,000 sockets closing at once must not queue 1,000 write transactions."""
    people = [user(f"u{i}") for i in range(50)]
    for person in people:
        await users.add(person)
    commits: list[None] = []
    db.on_commit(lambda: commits.append(None))
    moments = [CREATED + timedelta(seconds=i) for i in range(len(people))]

    await asyncio.gather(
        *(users.set_last_seen(p.id, m) for p, m in zip(people, moments, strict=True))
    )
    await users.set_last_seen(people[0].id, moments[-1])  # after that write: a write of its own

    assert len(commits) == 2
    stored = [await users.get(p.id) for p in people]
    assert [s.last_seen_at if s else None for s in stored] == [moments[-1], *moments[1:]]


async def test_delete_frees_the_username(users: SqlUserStore) -> None:
    alice = user("alice", "a@x.org")
    await users.add(alice)

    await users.delete(alice.id)
    await users.add(user("alice", "a@x.org"))

    assert await users.get(alice.id) is None


async def test_credentials_are_set_replaced_and_read(db: Database) -> None:
    credentials = SqlCredentialStore(db)
    alice = new_id()

    assert await credentials.password_hash(alice) is None
    await credentials.set_password_hash(alice, "hash-1")
    await credentials.set_password_hash(alice, "hash-2")

    assert await credentials.password_hash(alice) == "hash-2"
    assert await credentials.password_hash(new_id()) is None
