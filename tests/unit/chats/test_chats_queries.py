"""LocalChatsApi queries: views with unread counts, listing, members and membership."""

from uuid import UUID

import pytest
from chats_world import World

from hubbub.contexts.chats import GroupCreate
from hubbub.kernel.errors import Forbidden, NotFound
from hubbub.kernel.ids import new_id


async def room(w: World, title: str, *members: UUID) -> UUID:
    w.clock.advance()
    view = await w.chats.create_group(
        owner_id=w.alice, group=GroupCreate(title=title, member_ids=list(members))
    )
    return view.id


async def direct(w: World, partner: UUID) -> UUID:
    w.clock.advance()
    view, _ = await w.chats.open_direct(user_id=w.alice, partner_id=partner)
    return view.id


async def test_unread_is_last_seq_minus_read_and_own_messages_are_read(world: World) -> None:
    chat_id = await direct(world, world.bob)
    for text in ("one", "two", "three"):
        await world.say(world.alice, chat_id, text)

    mine = await world.chats.get(user_id=world.alice, chat_id=chat_id)
    theirs = await world.chats.get(user_id=world.bob, chat_id=chat_id)
    await world.messages.mark_read(user_id=world.bob, chat_id=chat_id, seq=2)
    later = await world.chats.get(user_id=world.bob, chat_id=chat_id)

    assert (mine.last_seq, mine.unread_count) == (3, 0)
    assert (theirs.last_seq, theirs.last_read_seq, theirs.unread_count) == (3, 0, 3)
    assert (later.last_read_seq, later.unread_count) == (2, 1)
    assert theirs.last_message is not None
    assert (theirs.last_message.text, theirs.last_message.seq) == ("three", 3)
    assert theirs.updated_at == theirs.last_message.created_at


async def test_a_chat_without_messages(world: World) -> None:
    chat_id = await direct(world, world.bob)

    view = await world.chats.get(user_id=world.bob, chat_id=chat_id)

    assert (view.last_message, view.last_seq, view.last_read_seq, view.unread_count) == (
        None,
        0,
        0,
        0,
    )
    assert view.updated_at == view.created_at
    assert view.partner is not None and view.partner.username == "alice"


async def test_the_partner_view_shows_presence(world: World) -> None:
    chat_id = await direct(world, world.bob)
    world.presence.online.add(world.bob)

    view = await world.chats.get(user_id=world.alice, chat_id=chat_id)

    assert view.partner is not None and view.partner.online is True


async def test_the_partner_view_says_how_far_the_partner_has_read(world: World) -> None:
    chat_id = await direct(world, world.bob)
    for _ in range(3):
        await world.say(world.alice, chat_id)
    await world.messages.mark_read(user_id=world.bob, chat_id=chat_id, seq=2)

    mine = await world.chats.get(user_id=world.alice, chat_id=chat_id)
    theirs = await world.chats.get(user_id=world.bob, chat_id=chat_id)

    assert mine.partner is not None and mine.partner.last_read_seq == 2
    assert theirs.partner is not None and theirs.partner.last_read_seq == 3  # alice wrote 1..3


async def test_chats_are_listed_newest_activity_first(world: World) -> None:
    quiet = await room(world, "quiet", world.bob)
    busy = await room(world, "busy", world.bob)
    with_bob = await direct(world, world.bob)
    newest_empty = await direct(world, world.carol)
    await world.say(world.bob, busy)
    await world.say(world.bob, quiet)  # "quiet" now has the most recent message

    listed = await world.chats.list_chats(
        user_id=world.alice, limit=10, offset=0, unread_only=False
    )

    assert [c.id for c in listed.chats] == [quiet, busy, newest_empty, with_bob]
    assert (listed.total, listed.has_more) == (4, False)


async def test_listing_pages_and_unread_only(world: World) -> None:
    chats = [await room(world, f"room {i}", world.bob) for i in range(5)]
    for chat_id in chats[:3]:
        await world.say(world.bob, chat_id)

    first = await world.chats.list_chats(user_id=world.alice, limit=2, offset=0, unread_only=False)
    last = await world.chats.list_chats(user_id=world.alice, limit=2, offset=4, unread_only=False)
    unread = await world.chats.list_chats(user_id=world.alice, limit=10, offset=0, unread_only=True)
    bobs = await world.chats.list_chats(user_id=world.bob, limit=10, offset=0, unread_only=True)

    assert ([c.id for c in first.chats], first.total, first.has_more) == (chats[2:0:-1], 5, True)
    assert ([c.id for c in last.chats], last.has_more) == ([chats[3]], False)
    assert [c.id for c in unread.chats] == chats[2::-1]
    assert unread.total == 3
    assert bobs.chats == []  # bob sent them all


@pytest.mark.parametrize("query", ["get", "members"])
async def test_strangers_get_forbidden_and_unknown_chats_not_found(
    world: World, query: str
) -> None:
    chat_id = await room(world, "team", world.bob)
    ask = getattr(world.chats, query)

    with pytest.raises(Forbidden):
        await ask(user_id=world.dave, chat_id=chat_id)
    with pytest.raises(NotFound):
        await ask(user_id=world.alice, chat_id=new_id())


async def test_members_are_listed_oldest_first_with_profiles(world: World) -> None:
    chat_id = await room(world, "team")
    for newcomer in (world.carol, world.bob):
        world.clock.advance()
        await world.chats.invite(actor_id=world.alice, chat_id=chat_id, user_id=newcomer)

    members = await world.chats.members(user_id=world.bob, chat_id=chat_id)

    assert [(m.user.username, m.role) for m in members] == [
        ("alice", "owner"),
        ("carol", "member"),
        ("bob", "member"),
    ]
    assert members[1].joined_at < members[2].joined_at


async def test_membership_questions(world: World) -> None:
    team = await room(world, "team", world.bob)
    pair = await direct(world, world.carol)

    assert await world.chats.is_member(chat_id=team, user_id=world.bob)
    assert not await world.chats.is_member(chat_id=team, user_id=world.carol)
    assert await world.chats.member_ids(chat_id=team) == {world.alice, world.bob}
    assert set(await world.chats.chat_ids_of(user_id=world.alice)) == {team, pair}
    assert await world.chats.contacts_of(user_id=world.alice) == {world.bob, world.carol}
    assert await world.chats.contacts_of(user_id=world.dave) == set()
    await world.chats.check_member(chat_id=team, user_id=world.bob)
    with pytest.raises(Forbidden):
        await world.chats.check_member(chat_id=team, user_id=world.carol)
    with pytest.raises(NotFound):
        await world.chats.check_member(chat_id=new_id(), user_id=world.carol)
