"""SqlChatStore on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

import orjson
import pytest
from sqlalchemy import select

from hubbub.contexts.chats import MemberInvited
from hubbub.contexts.chats.model import Chat, Member, direct_key
from hubbub.contexts.chats.store import SqlChatStore
from hubbub.infra.db import Database
from hubbub.infra.db.outbox import outbox
from hubbub.kernel.ids import new_id

START = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
ALICE, BOB, CAROL = new_id(), new_id(), new_id()


@pytest.fixture
def store(db: Database) -> SqlChatStore:
    return SqlChatStore(db)


def at(minutes: int) -> datetime:
    return START + timedelta(minutes=minutes)


async def add_group(store: SqlChatStore, *people: UUID) -> Chat:
    """A room owned by the first person; the others joined a minute apart."""
    chat = Chat(new_id(), "group", "Team", people[0], None, START)
    members = [
        Member(chat.id, p, "owner" if i == 0 else "member", at(i)) for i, p in enumerate(people)
    ]
    return await store.add_chat(chat, members)


async def add_direct(store: SqlChatStore, a: UUID, b: UUID) -> Chat:
    chat = Chat(new_id(), "direct", None, None, direct_key(a, b), START)
    return await store.add_chat(chat, [Member(chat.id, u, "member", START) for u in (a, b)])


async def test_a_chat_and_its_members_round_trip(store: SqlChatStore) -> None:
    chat = await add_group(store, ALICE, BOB)

    assert await store.get_chat(chat.id) == chat
    assert await store.members(chat.id) == [
        Member(chat.id, ALICE, "owner", at(0)),
        Member(chat.id, BOB, "member", at(1)),
    ]
    assert await store.get_chat(new_id()) is None


async def test_a_pair_gets_one_direct_chat_whoever_opens_it(store: SqlChatStore) -> None:
    first = await add_direct(store, ALICE, BOB)

    second = await add_direct(store, BOB, ALICE)

    assert second == first
    assert await store.find_direct(direct_key(BOB, ALICE)) == first
    assert await store.get_chats([first.id, new_id()]) == [first]
    assert len(await store.memberships_of(ALICE)) == 1
    assert await store.find_direct(direct_key(ALICE, CAROL)) is None


async def test_membership_queries(store: SqlChatStore) -> None:
    team = await add_group(store, ALICE, BOB, CAROL)
    pair = await add_direct(store, ALICE, BOB)

    assert {m.chat_id for m in await store.memberships_of(BOB)} == {team.id, pair.id}
    assert await store.member_counts([team.id, pair.id, new_id()]) == {team.id: 3, pair.id: 2}
    everyone = await store.members_of_chats([team.id, pair.id])
    assert sorted((m.chat_id == team.id, m.user_id) for m in everyone) == sorted(
        [(True, ALICE), (True, BOB), (True, CAROL), (False, ALICE), (False, BOB)]
    )
    assert await store.member_counts([]) == {}
    assert await store.members_of_chats([]) == []
    assert await store.get_chats([]) == []


async def test_add_member_once(store: SqlChatStore) -> None:
    team = await add_group(store, ALICE)

    assert await store.add_member(Member(team.id, BOB, "member", at(5))) is True
    assert await store.add_member(Member(team.id, BOB, "member", at(6))) is False
    assert [m.user_id for m in await store.members(team.id)] == [ALICE, BOB]


async def test_removing_the_owner_passes_the_room_on(store: SqlChatStore) -> None:
    team = await add_group(store, ALICE, BOB, CAROL)

    assert await store.remove_member(team.id, ALICE, new_owner=BOB) is True

    chat = await store.get_chat(team.id)
    assert chat is not None and chat.owner_id == BOB
    assert [(m.user_id, m.role) for m in await store.members(team.id)] == [
        (BOB, "owner"),
        (CAROL, "member"),
    ]


async def test_removing_a_non_member_changes_nothing(store: SqlChatStore) -> None:
    team = await add_group(store, ALICE, BOB)

    assert await store.remove_member(team.id, CAROL, new_owner=BOB) is False

    chat = await store.get_chat(team.id)
    assert chat is not None and chat.owner_id == ALICE
    assert [m.role for m in await store.members(team.id)] == ["owner", "member"]


async def outbox_events(db: Database) -> list[MemberInvited]:
    async with db.read() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
    assert all(r.topic == MemberInvited.topic for r in rows)
    events = [MemberInvited.from_payload(orjson.loads(r.payload)) for r in rows]
    assert all(isinstance(e, MemberInvited) for e in events)
    return events  # type: ignore[return-value]


async def test_invitations_go_to_the_outbox_with_the_membership(
    db: Database, store: SqlChatStore
) -> None:
    chat = Chat(new_id(), "group", "Team", ALICE, None, START)
    at_creation = MemberInvited(chat.id, BOB, ALICE, "Team", START)
    await store.add_chat(
        chat, [Member(chat.id, ALICE, "owner", START), Member(chat.id, BOB, "member", START)],
        [at_creation],
    )  # fmt: skip
    later = MemberInvited(chat.id, CAROL, BOB, "Team", at(5))
    assert await store.add_member(Member(chat.id, CAROL, "member", at(5)), [later]) is True
    refused = MemberInvited(chat.id, CAROL, ALICE, "Team", at(6))
    assert await store.add_member(Member(chat.id, CAROL, "member", at(6)), [refused]) is False

    assert await outbox_events(db) == [at_creation, later]  # nothing for the refused one
