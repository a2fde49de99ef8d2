"""Messages keeps the membership it needs from chats' events (issue 12): the real chats
service writes its events to the outbox; messages' projection, fed those records as the bus
carries them, answers what chats answers; repeats and late events change nothing; and
migration 0009 fills the projection from the chats tables. On SQLite and PostgreSQL."""

from pathlib import Path

import pytest
from integration_db import ENGINES
from sqlalchemy import delete, insert, select
from test_db_engine import empty_database

from hubbub.contexts.chats import MEMBERSHIP_TOPICS, GroupCreate
from hubbub.contexts.chats.wiring import local_chats
from hubbub.contexts.messages.membership import TOPICS, MembershipProjection
from hubbub.contexts.messages.membership_store import SqlMembershipStore
from hubbub.contexts.users import NewUser
from hubbub.contexts.users.wiring import local_users
from hubbub.infra.cache import InMemoryCache
from hubbub.infra.db import Database
from hubbub.infra.db.migrate import upgrade
from hubbub.infra.db.outbox import outbox
from hubbub.infra.presence import InMemoryPresence
from hubbub.kernel.clock import SystemClock
from hubbub.kernel.errors import Forbidden, NotFound
from hubbub.kernel.fakes import RecordingLiveEvents
from hubbub.kernel.ids import new_id
from hubbub.kernel.ports import BusRecord


async def drain_outbox(db: Database) -> list[BusRecord]:
    """The membership records in the outbox, in order (what the relay would publish)."""
    async with db.write() as conn:
        rows = (await conn.execute(select(outbox).order_by(outbox.c.id))).all()
        await conn.execute(delete(outbox))
    return [(r.topic, r.key, r.payload) for r in rows if r.topic in TOPICS]


def test_messages_reads_the_topics_chats_writes() -> None:
    assert set(TOPICS) == set(MEMBERSHIP_TOPICS)


async def test_the_projection_answers_what_chats_answers(db: Database) -> None:
    clock = SystemClock()
    cache = InMemoryCache()
    users = local_users(db=db, presence=InMemoryPresence(), clock=clock, cache=cache)
    alice, bob, carol = [
        (await users.create(new=NewUser(username=n))).id for n in ("alice", "bob", "carol")
    ]
    # No in-process listener: the projection sees only what went to the outbox.
    chats = local_chats(db=db, users=users, live=RecordingLiveEvents(), clock=clock, cache=cache)
    projection = MembershipProjection(SqlMembershipStore(db), InMemoryCache())

    room = await chats.create_group(
        owner_id=alice, group=GroupCreate(title="Team", member_ids=[bob])
    )
    direct, _ = await chats.open_direct(user_id=alice, partner_id=carol)
    await chats.invite(actor_id=bob, chat_id=room.id, user_id=carol)
    await chats.remove(actor_id=alice, chat_id=room.id, user_id=alice)  # ownership passes on
    records = await drain_outbox(db)
    await projection.deliver(records)

    assert await projection.member_ids(chat_id=room.id) == await chats.member_ids(chat_id=room.id)
    assert await projection.member_ids(chat_id=room.id) == {bob, carol}
    assert await projection.room_owner(chat_id=room.id) == bob
    assert await projection.room_owner(chat_id=direct.id) is None
    assert set(await projection.chat_ids_of(user_id=carol)) == {room.id, direct.id}
    await projection.check_member(chat_id=room.id, user_id=carol)
    with pytest.raises(Forbidden):
        await projection.check_member(chat_id=room.id, user_id=alice)
    with pytest.raises(NotFound):
        await projection.check_member(chat_id=new_id(), user_id=alice)

    # Delivered again, and then every record once more in reverse (late): nothing changes.
    await projection.deliver(records)
    await projection.deliver(list(reversed(records)))
    assert await projection.member_ids(chat_id=room.id) == {bob, carol}
    assert await projection.room_owner(chat_id=room.id) == bob

    # A deleted account leaves every chat, in the projection too.
    await chats.forget_user(user_id=carol)
    await projection.deliver(await drain_outbox(db))
    assert await projection.chat_ids_of(user_id=carol) == []


async def test_the_in_process_listener_makes_a_new_chat_usable_at_once(db: Database) -> None:
    clock = SystemClock()
    cache = InMemoryCache()
    users = local_users(db=db, presence=InMemoryPresence(), clock=clock, cache=cache)
    alice, bob = [(await users.create(new=NewUser(username=n))).id for n in ("alice", "bob")]
    projection = MembershipProjection(SqlMembershipStore(db), InMemoryCache())
    chats = local_chats(
        db=db,
        users=users,
        live=RecordingLiveEvents(),
        clock=clock,
        cache=cache,
        committed=[projection.deliver],
    )

    direct, _ = await chats.open_direct(user_id=alice, partner_id=bob)

    await projection.check_member(chat_id=direct.id, user_id=bob)  # no relay, no bus

    # The answer is cached now; a change applied here drops it at once.
    room = await chats.create_group(owner_id=alice, group=GroupCreate(title="R", member_ids=[bob]))
    await projection.check_member(chat_id=room.id, user_id=bob)
    await chats.remove(actor_id=bob, chat_id=room.id, user_id=bob)
    with pytest.raises(Forbidden):
        await projection.check_member(chat_id=room.id, user_id=bob)
    assert await projection.member_ids(chat_id=room.id) == {alice}


@pytest.mark.parametrize("engine", ENGINES)
async def test_migration_0009_fills_the_projection_from_the_chats_tables(
    engine: str, tmp_path: Path
) -> None:
    from hubbub.contexts.chats.store import chats as chat_rows
    from hubbub.contexts.chats.store import members as member_rows

    room, alice, bob = new_id(), new_id(), new_id()
    now = SystemClock().now()
    async with empty_database(engine, tmp_path) as db:
        await upgrade(db, "0005")
        async with db.write() as conn:
            await conn.execute(
                insert(chat_rows).values(
                    id=room,
                    type="group",
                    title="T",
                    owner_id=alice,
                    direct_key=None,
                    created_at=now,
                )
            )
            await conn.execute(
                insert(member_rows),
                [
                    {"chat_id": room, "user_id": u, "role": r, "joined_at": now}
                    for u, r in ((alice, "owner"), (bob, "member"))
                ],
            )
        await upgrade(db, "0009")
        projection = MembershipProjection(SqlMembershipStore(db), InMemoryCache())

        assert await projection.member_ids(chat_id=room) == {alice, bob}
        assert await projection.room_owner(chat_id=room) == alice
        # Any event applies on top of the backfill.
        await projection.apply(
            "chat.member_left",
            {
                "chat_id": str(room),
                "user_id": str(bob),
                "new_owner_id": None,
                "change_id": str(new_id()),
            },
        )
        assert await projection.member_ids(chat_id=room) == {alice}
