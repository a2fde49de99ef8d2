"""Sessions and a deleted account's erasure, in the stores of auth, users and messages: the
SQL stores on SQLite and PostgreSQL, and the in-memory fakes the unit tests use through the
same tests, so that they cannot drift."""

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select

from hubbub.contexts.auth.events import UserDeleted
from hubbub.contexts.auth.fakes import InMemoryCredentialStore
from hubbub.contexts.auth.model import Session, new_session
from hubbub.contexts.auth.ports import CredentialStore
from hubbub.contexts.auth.store import SqlCredentialStore
from hubbub.contexts.messages.fakes import InMemoryMessageStore
from hubbub.contexts.messages.store import SqlMessageStore
from hubbub.contexts.users.fakes import InMemoryUserStore, a_profile
from hubbub.contexts.users.store import SqlUserStore
from hubbub.infra.db import Database
from hubbub.infra.db.outbox import outbox
from hubbub.kernel.ids import new_id

NOW = datetime(2026, 12, 2, 10, 0, 0, 123000, tzinfo=UTC)


@pytest.fixture(params=["memory", "sql"])
def credentials(request: pytest.FixtureRequest, db: Database) -> CredentialStore:
    return InMemoryCredentialStore() if request.param == "memory" else SqlCredentialStore(db)


def session_of(user: Any, *, at: datetime = NOW, ttl: int = 3600) -> Session:
    return new_session(session_id=new_id(), user_id=user, now=at, ttl_seconds=ttl)


async def test_sessions_are_live_until_ended_one_or_all(credentials: CredentialStore) -> None:
    alice, bob = new_id(), new_id()
    phone, laptop, bobs = session_of(alice), session_of(alice), session_of(bob)
    for session in (phone, laptop, bobs):
        await credentials.add_session(session)
    assert await credentials.session_owner(phone.id) == alice
    assert await credentials.session_owner(new_id()) is None

    assert await credentials.end_sessions(alice, only=phone.id) == [phone.id]
    assert await credentials.session_owner(phone.id) is None
    assert await credentials.session_owner(laptop.id) == alice
    assert await credentials.end_sessions(alice, only=phone.id) == []  # already ended

    assert await credentials.end_sessions(alice) == [laptop.id]
    assert await credentials.session_owner(bobs.id) == bob


async def test_a_password_change_keeps_one_session(credentials: CredentialStore) -> None:
    alice = new_id()
    await credentials.set_password_hash(alice, "old")
    keep, other, third = (session_of(alice) for _ in range(3))
    for session in (keep, other, third):
        await credentials.add_session(session)

    ended = await credentials.change_password(alice, "new", keep=keep.id)

    assert sorted(ended) == sorted([other.id, third.id])
    assert await credentials.password_hash(alice) == "new"
    assert await credentials.session_owner(keep.id) == alice


async def test_a_login_forgets_the_users_expired_sessions(credentials: CredentialStore) -> None:
    alice = new_id()
    old = session_of(alice, at=NOW - timedelta(days=2), ttl=3600)
    await credentials.add_session(old)
    await credentials.add_session(session_of(alice))
    assert await credentials.session_owner(old.id) is None


async def test_erasing_an_account_writes_its_event_in_the_same_transaction(db: Database) -> None:
    credentials = SqlCredentialStore(db)
    alice = new_id()
    await credentials.set_password_hash(alice, "hash")
    sessions = [session_of(alice), session_of(alice)]
    for session in sessions:
        await credentials.add_session(session)

    event = UserDeleted(user_id=alice, deleted_at=NOW)
    ended = await credentials.erase_account(alice, [event])

    assert sorted(ended) == sorted(s.id for s in sessions)
    assert await credentials.password_hash(alice) is None
    async with db.read() as conn:
        rows = (await conn.execute(select(outbox.c.topic, outbox.c.key, outbox.c.payload))).all()
    assert [(r.topic, r.key) for r in rows] == [("user.deleted", str(alice))]
    assert orjson.loads(rows[0].payload)["user_id"] == str(alice)


@pytest.mark.parametrize("kind", ["memory", "sql"])
async def test_an_erased_profile_leaves_only_its_id(db: Database, kind: str) -> None:
    users = InMemoryUserStore() if kind == "memory" else SqlUserStore(db)
    alice = a_profile("alice", email="a@x.org", at=NOW)
    await users.add(alice)

    await users.erase(alice.id, NOW)
    await users.erase(alice.id, NOW)  # idempotent

    assert await users.get(alice.id) is None
    assert await users.by_username("alice") is None
    assert await users.deleted_among({alice.id, new_id()}) == {alice.id}
    await users.add(a_profile("alice", email="a@x.org", at=NOW))  # name and email are free


@pytest.mark.parametrize("kind", ["memory", "sql"])
async def test_a_readers_cursors_are_forgotten(db: Database, kind: str) -> None:
    messages = InMemoryMessageStore() if kind == "memory" else SqlMessageStore(db)
    chat, other_chat, alice, bob = new_id(), new_id(), new_id(), new_id()
    await messages.advance_cursor(chat, alice, 5)
    await messages.advance_cursor(other_chat, alice, 3)
    await messages.advance_cursor(chat, bob, 4)

    await messages.delete_cursors(alice)

    assert await messages.advance_cursor(chat, alice, 1) == (1, True)  # starts afresh
    assert await messages.advance_cursor(other_chat, alice, 1) == (1, True)
    assert await messages.advance_cursor(chat, bob, 1) == (4, False)  # bob's is kept
