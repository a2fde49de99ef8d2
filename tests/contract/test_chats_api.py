"""The ChatsApi contract, over the local service and over its gRPC client against a real
grpc.aio server, each on SQLite and on PostgreSQL: a change that breaks one side breaks the
other (the users pattern). Behind the server: the local chats context, with the local users
and messages contexts (activity, unread counts) and messages' own membership."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest

from hubbub.contexts.chats import ChatsApi, GroupCreate
from hubbub.contexts.chats.wiring import chats_channel, local_chats, remote_chats, serve_chats
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.contexts.messages.wiring import local_membership, local_messages
from hubbub.contexts.users import NewUser
from hubbub.contexts.users.service import LocalUsersApi
from hubbub.contexts.users.wiring import local_users
from hubbub.infra.blobs.local import LocalBlobStore
from hubbub.infra.cache import InMemoryCache
from hubbub.infra.db import Database
from hubbub.infra.presence import InMemoryPresence
from hubbub.kernel.clock import SystemClock
from hubbub.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from hubbub.kernel.fakes import RecordingLiveEvents
from hubbub.kernel.ids import new_id
from rpc_servers import served_over_grpc


@dataclass
class World:
    chats: ChatsApi
    messages: LocalMessagesApi
    users: LocalUsersApi
    alice: UUID
    bob: UUID
    carol: UUID

    async def say(self, sender: UUID, chat_id: UUID, text: str) -> int:
        posted = await self.messages.post(
            sender_id=sender, chat_id=chat_id, text=text, request_id=None
        )
        return posted.message.seq


@pytest.fixture(params=["local", "grpc"])
async def world(
    request: pytest.FixtureRequest, db: Database, tmp_path: Path
) -> AsyncIterator[World]:
    clock = SystemClock()
    cache = InMemoryCache()
    live = RecordingLiveEvents()
    users = local_users(db=db, presence=InMemoryPresence(), clock=clock, cache=cache)
    people = [(await users.create(new=NewUser(username=n))).id for n in ("alice", "bob", "carol")]
    membership = local_membership(db=db, cache=cache)
    messages = local_messages(
        db=db,
        users=users,
        membership=membership,
        live=live,
        clock=clock,
        blobs=LocalBlobStore(tmp_path / "blobs"),
        file_link_secret=None,
    )
    local = local_chats(
        db=db,
        users=users,
        live=live,
        clock=clock,
        cache=cache,
        activity=messages,
        committed=[membership.deliver],
    )
    try:
        if request.param == "local":
            yield World(local, messages, users, *people)
        else:
            async with served_over_grpc(
                local, serve=serve_chats, channel=chats_channel, remote=remote_chats
            ) as remote:
                yield World(remote, messages, users, *people)
    finally:
        await messages.close()


async def test_a_direct_chat_is_opened_once_per_pair(world: World) -> None:
    opened, created = await world.chats.open_direct(user_id=world.alice, partner_id=world.bob)
    again, created_again = await world.chats.open_direct(user_id=world.bob, partner_id=world.alice)

    assert (created, created_again) == (True, False)
    assert again.id == opened.id and opened.type == "direct" and opened.title is None
    assert opened.partner is not None and opened.partner.id == world.bob
    assert again.partner is not None and again.partner.id == world.alice
    assert opened.members_count == 2 and opened.owner_id is None
    assert opened.last_message is None and (opened.last_seq, opened.unread_count) == (0, 0)
    with pytest.raises(Invalid):
        await world.chats.open_direct(user_id=world.alice, partner_id=world.alice)
    with pytest.raises(NotFound):
        await world.chats.open_direct(user_id=world.alice, partner_id=new_id())


async def test_a_room_its_members_and_who_may_see_it(world: World) -> None:
    room = await world.chats.create_group(
        owner_id=world.alice, group=GroupCreate(title="Team", member_ids=[world.bob])
    )

    assert (room.type, room.title, room.owner_id, room.members_count) == (
        "group",
        "Team",
        world.alice,
        2,
    )
    members = await world.chats.members(user_id=world.bob, chat_id=room.id)
    assert {(m.user.id, m.role) for m in members} == {
        (world.alice, "owner"),
        (world.bob, "member"),
    }
    assert (await world.chats.get(user_id=world.bob, chat_id=room.id)).id == room.id
    with pytest.raises(Forbidden) as refused:
        await world.chats.get(user_id=world.carol, chat_id=room.id)
    assert refused.value.code == "not_a_member"
    with pytest.raises(NotFound) as unknown:
        await world.chats.get(user_id=world.alice, chat_id=new_id())
    assert unknown.value.code == "chat_not_found"
    with pytest.raises(NotFound):
        await world.chats.create_group(
            owner_id=world.alice, group=GroupCreate(title="X", member_ids=[new_id()])
        )
    with pytest.raises(Invalid):
        await world.chats.create_group(owner_id=world.alice, group=GroupCreate(title="  "))


async def test_invite_remove_and_the_membership_queries(world: World) -> None:
    room = await world.chats.create_group(owner_id=world.alice, group=GroupCreate(title="T"))

    invited = await world.chats.invite(actor_id=world.alice, chat_id=room.id, user_id=world.bob)
    assert (invited.user.id, invited.role) == (world.bob, "member")
    with pytest.raises(Conflict):
        await world.chats.invite(actor_id=world.alice, chat_id=room.id, user_id=world.bob)
    with pytest.raises(Forbidden):
        await world.chats.invite(actor_id=world.carol, chat_id=room.id, user_id=world.carol)

    assert await world.chats.is_member(chat_id=room.id, user_id=world.bob)
    assert not await world.chats.is_member(chat_id=room.id, user_id=world.carol)
    await world.chats.check_member(chat_id=room.id, user_id=world.bob)
    with pytest.raises(Forbidden):
        await world.chats.check_member(chat_id=room.id, user_id=world.carol)
    with pytest.raises(NotFound):
        await world.chats.check_member(chat_id=new_id(), user_id=world.bob)
    assert await world.chats.member_ids(chat_id=room.id) == {world.alice, world.bob}
    assert await world.chats.chat_ids_of(user_id=world.bob) == [room.id]
    assert await world.chats.contacts_of(user_id=world.alice) == {world.bob}

    # The owner leaves: the room passes to the next member.
    await world.chats.remove(actor_id=world.alice, chat_id=room.id, user_id=world.alice)
    after = await world.chats.get(user_id=world.bob, chat_id=room.id)
    assert after.owner_id == world.bob and after.members_count == 1
    with pytest.raises(NotFound):
        await world.chats.remove(actor_id=world.bob, chat_id=room.id, user_id=world.carol)


async def test_a_chat_list_carries_activity_unread_mentions_and_mute(world: World) -> None:
    room = await world.chats.create_group(
        owner_id=world.alice, group=GroupCreate(title="T", member_ids=[world.bob])
    )
    direct, _ = await world.chats.open_direct(user_id=world.alice, partner_id=world.carol)
    await world.say(world.alice, room.id, "hello @bob")
    await world.say(world.alice, room.id, "again")

    page = await world.chats.list_chats(user_id=world.bob, limit=20, offset=0, unread_only=False)
    assert (page.total, page.has_more) == (1, False)
    seen = page.chats[0]
    assert (seen.last_seq, seen.unread_count, seen.mention_count) == (2, 2, 1)
    assert seen.last_message is not None and seen.last_message.text == "again"
    assert seen.last_message.sender_id == world.alice and not seen.last_message.deleted

    mine = await world.chats.list_chats(user_id=world.alice, limit=1, offset=0, unread_only=False)
    assert (mine.total, mine.has_more, mine.chats[0].id) == (2, True, room.id)
    unread = await world.chats.list_chats(user_id=world.alice, limit=20, offset=0, unread_only=True)
    assert unread.chats == []

    muted = await world.chats.set_muted(user_id=world.bob, chat_id=room.id, muted=True)
    assert muted.muted is True
    assert (await world.chats.get(user_id=world.bob, chat_id=room.id)).muted is True
    assert (await world.chats.get(user_id=world.alice, chat_id=direct.id)).muted is False
    with pytest.raises(Invalid):
        await world.chats.list_chats(user_id=world.bob, limit=0, offset=0, unread_only=False)
    with pytest.raises(Invalid):
        await world.chats.list_chats(user_id=world.bob, limit=101, offset=0, unread_only=False)


async def test_a_deleted_partner_shows_as_deleted(world: World) -> None:
    direct, _ = await world.chats.open_direct(user_id=world.alice, partner_id=world.carol)
    await world.users.erase(user_id=world.carol)

    view = await world.chats.get(user_id=world.alice, chat_id=direct.id)

    assert view.partner is not None and view.partner.deleted is True
