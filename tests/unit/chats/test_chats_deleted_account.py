"""A deleted account leaves every chat: rooms as if they left, direct chats quietly; it shows
as a deleted account where a person is shown, and nobody can start a chat with it."""

from uuid import UUID

import pytest
from chats_world import World, build_world

from hubbub.contexts.chats import GroupCreate
from hubbub.contexts.chats.fakes import InMemoryChatStore
from hubbub.kernel.errors import NotFound
from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents


@pytest.fixture
async def world(clock: FixedClock, live: RecordingLiveEvents) -> World:
    return await build_world(InMemoryChatStore(), live, clock)


async def delete_account(world: World, user: UUID) -> None:
    """What the `user.deleted` consumers of users and chats do."""
    await world.users.erase(user_id=user)
    await world.chats.forget_user(user_id=user)


async def test_a_deleted_owner_leaves_the_room_and_ownership_passes_on(world: World) -> None:
    room = await world.chats.create_group(
        owner_id=world.alice, group=GroupCreate(title="Club", member_ids=[world.bob, world.carol])
    )
    await world.say(world.alice, room.id, "hello club")

    await delete_account(world, world.alice)
    await delete_account(world, world.alice)  # redelivered: nothing more happens

    seen = await world.chats.get(user_id=world.bob, chat_id=room.id)
    assert seen.members_count == 2
    assert seen.owner_id in (world.bob, world.carol)
    assert seen.last_message is not None and seen.last_message.sender_id == world.alice
    members = await world.chats.members(user_id=world.carol, chat_id=room.id)
    assert {m.user.id for m in members} == {world.bob, world.carol}
    left = world.live.of_type("member_left")
    assert len(left) == 1 and left[0].frame["user_id"] == str(world.alice)


async def test_a_direct_chat_stays_with_a_deleted_partner(world: World) -> None:
    chat, _ = await world.chats.open_direct(user_id=world.alice, partner_id=world.bob)
    await world.say(world.alice, chat.id, "remember me")

    await delete_account(world, world.alice)

    seen = await world.chats.get(user_id=world.bob, chat_id=chat.id)
    assert seen.members_count == 1
    assert seen.partner is not None
    assert (seen.partner.id, seen.partner.deleted, seen.partner.display_name) == (
        world.alice,
        True,
        "Deleted account",
    )
    [listed] = (
        await world.chats.list_chats(user_id=world.bob, limit=10, offset=0, unread_only=False)
    ).chats
    assert listed.partner is not None and listed.partner.deleted


async def test_nobody_starts_a_chat_with_or_invites_a_deleted_account(world: World) -> None:
    room = await world.chats.create_group(
        owner_id=world.bob, group=GroupCreate(title="Club", member_ids=[])
    )
    await delete_account(world, world.alice)

    with pytest.raises(NotFound):
        await world.chats.open_direct(user_id=world.bob, partner_id=world.alice)
    with pytest.raises(NotFound):
        await world.chats.invite(actor_id=world.bob, chat_id=room.id, user_id=world.alice)
    with pytest.raises(NotFound):
        await world.chats.create_group(
            owner_id=world.bob, group=GroupCreate(title="T", member_ids=[world.alice])
        )
    profile = await world.users.get(user_id=world.alice)
    assert profile.deleted and profile.username == "" and not profile.online
