"""LocalChatsApi commands: direct chats, rooms, invites, leaving; and the events they emit."""

from collections.abc import Sequence
from uuid import UUID

import pytest
from chats_world import World, build_world

from hubbub.contexts.chats import GroupCreate, MemberInvited
from hubbub.contexts.chats.fakes import InMemoryChatStore
from hubbub.contexts.chats.model import Chat, Member
from hubbub.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from hubbub.kernel.events import Event
from hubbub.kernel.fakes import FixedClock, RecordingLiveEvents
from hubbub.kernel.ids import new_id


class FlakyChatStore(InMemoryChatStore):
    """Once `down` is set, every write fails as it would on a database that went away."""

    down = False

    def _check(self) -> None:
        if self.down:
            raise RuntimeError("database is down")

    async def add_chat(
        self, chat: Chat, members: list[Member], events: Sequence[Event] = ()
    ) -> Chat:
        self._check()
        return await super().add_chat(chat, members, events)

    async def add_member(self, member: Member, events: Sequence[Event] = ()) -> bool:
        self._check()
        return await super().add_member(member, events)

    async def remove_member(
        self,
        chat_id: UUID,
        user_id: UUID,
        *,
        new_owner: UUID | None,
        events: Sequence[Event] = (),
    ) -> bool:
        self._check()
        return await super().remove_member(chat_id, user_id, new_owner=new_owner, events=events)


async def group(w: World, *members: UUID, owner: UUID | None = None) -> UUID:
    view = await w.chats.create_group(
        owner_id=owner or w.alice, group=GroupCreate(title="Team", member_ids=list(members))
    )
    return view.id


# -- direct chats -----------------------------------------------------------------------


async def test_opening_a_direct_chat_announces_it_to_the_partner(world: World) -> None:
    view, created = await world.chats.open_direct(user_id=world.alice, partner_id=world.bob)

    assert created is True
    assert (view.type, view.members_count, view.title, view.owner_id) == ("direct", 2, None, None)
    assert view.partner is not None and view.partner.id == world.bob
    opener, partner = world.live.calls
    assert (opener.kind, opener.target, opener.frame, opener.join_chat) == (
        "to_user",
        world.alice,
        None,
        view.id,
    )
    assert (partner.kind, partner.target, partner.type, partner.join_chat) == (
        "to_user",
        world.bob,
        "chat_created",
        view.id,
    )
    assert partner.frame is not None
    assert partner.frame["chat"]["partner"]["id"] == str(world.alice)  # as the partner sees it


@pytest.mark.parametrize("reverse", [False, True], ids=["same-direction", "either-direction"])
async def test_a_pair_has_one_direct_chat(world: World, reverse: bool) -> None:
    first, _ = await world.chats.open_direct(user_id=world.alice, partner_id=world.bob)
    world.live.calls.clear()
    user, partner = (world.bob, world.alice) if reverse else (world.alice, world.bob)

    again, created = await world.chats.open_direct(user_id=user, partner_id=partner)

    assert (again.id, created) == (first.id, False)
    assert world.live.calls == []
    assert len(await world.chats.chat_ids_of(user_id=world.alice)) == 1


async def test_no_direct_chat_with_yourself_or_a_stranger(world: World) -> None:
    with pytest.raises(Invalid) as caught:
        await world.chats.open_direct(user_id=world.alice, partner_id=world.alice)
    assert caught.value.status == 422
    with pytest.raises(NotFound):
        await world.chats.open_direct(user_id=world.alice, partner_id=new_id())
    assert world.live.calls == []


async def test_nothing_is_announced_when_a_write_fails(
    live: RecordingLiveEvents, clock: FixedClock
) -> None:
    store = FlakyChatStore()
    w = await build_world(store, live, clock)
    chat_id = await group(w, w.bob)
    live.calls.clear()
    store.down = True

    with pytest.raises(RuntimeError):
        await w.chats.open_direct(user_id=w.alice, partner_id=w.bob)
    with pytest.raises(RuntimeError):
        await group(w, w.bob)
    with pytest.raises(RuntimeError):
        await w.chats.invite(actor_id=w.alice, chat_id=chat_id, user_id=w.carol)
    with pytest.raises(RuntimeError):
        await w.chats.remove(actor_id=w.bob, chat_id=chat_id, user_id=w.bob)
    assert live.calls == []


# -- rooms ------------------------------------------------------------------------------


async def test_the_creator_owns_a_room_and_each_member_is_invited_once(world: World) -> None:
    view = await world.chats.create_group(
        owner_id=world.alice,
        group=GroupCreate(
            title="  Team  ", member_ids=[world.bob, world.carol, world.bob, world.alice]
        ),
    )

    assert (view.type, view.title, view.owner_id, view.members_count) == (
        "group",
        "Team",
        world.alice,
        3,
    )
    roles = {
        m.user.id: m.role for m in await world.chats.members(user_id=world.bob, chat_id=view.id)
    }
    assert roles == {world.alice: "owner", world.bob: "member", world.carol: "member"}
    joins = world.live.of_type(None)
    assert [(c.target, c.join_chat) for c in joins] == [(world.alice, view.id)]
    invites = world.live.of_type("chat_invite")
    assert [(c.target, c.join_chat) for c in invites] == [
        (world.bob, view.id),
        (world.carol, view.id),
    ]
    assert [e for e in world.store.outbox if isinstance(e, MemberInvited)] == [
        MemberInvited(view.id, invitee, world.alice, "Team", world.clock.now())
        for invitee in (world.bob, world.carol)
    ]


async def test_a_room_with_an_unknown_member_is_not_created(world: World) -> None:
    stranger = new_id()

    with pytest.raises(NotFound, match=str(stranger)):
        await group(world, world.bob, stranger)
    assert await world.chats.chat_ids_of(user_id=world.alice) == []
    assert world.live.calls == []


async def test_a_room_needs_a_title(world: World) -> None:
    with pytest.raises(Invalid, match="title"):
        await world.chats.create_group(owner_id=world.alice, group=GroupCreate(title="  "))


async def test_any_member_may_invite_and_the_room_hears_of_it(world: World) -> None:
    chat_id = await group(world, world.bob)
    world.live.calls.clear()

    member = await world.chats.invite(actor_id=world.bob, chat_id=chat_id, user_id=world.carol)

    assert (member.user.id, member.role) == (world.carol, "member")
    joined, invite = world.live.calls
    assert (joined.kind, joined.target, joined.skip_user) == ("to_chat", chat_id, world.carol)
    assert joined.frame == {
        "type": "member_joined",
        "chat_id": str(chat_id),
        "user_id": str(world.carol),
    }
    assert (invite.target, invite.type, invite.join_chat) == (world.carol, "chat_invite", chat_id)
    assert await world.chats.is_member(chat_id=chat_id, user_id=world.carol)
    assert world.store.outbox[-1] == MemberInvited(
        chat_id, world.carol, world.bob, "Team", world.clock.now()
    )


async def test_a_new_member_does_not_inherit_old_unread(world: World) -> None:
    chat_id = await group(world, world.bob)
    for _ in range(3):
        await world.say(world.bob, chat_id)

    await world.chats.invite(actor_id=world.alice, chat_id=chat_id, user_id=world.carol)

    view = await world.chats.get(user_id=world.carol, chat_id=chat_id)
    assert (view.last_seq, view.last_read_seq, view.unread_count) == (3, 3, 0)
    invite = world.live.of_type("chat_invite")[-1]
    assert invite.frame is not None and invite.frame["chat"]["unread_count"] == 0


async def test_invite_refusals(world: World) -> None:
    chat_id = await group(world, world.bob)
    direct, _ = await world.chats.open_direct(user_id=world.alice, partner_id=world.dave)
    world.live.calls.clear()

    with pytest.raises(Conflict):
        await world.chats.invite(actor_id=world.alice, chat_id=chat_id, user_id=world.bob)
    with pytest.raises(Forbidden):
        await world.chats.invite(actor_id=world.carol, chat_id=chat_id, user_id=world.dave)
    with pytest.raises(NotFound):
        await world.chats.invite(actor_id=world.alice, chat_id=chat_id, user_id=new_id())
    with pytest.raises(NotFound):
        await world.chats.invite(actor_id=world.alice, chat_id=new_id(), user_id=world.dave)
    outbox_before = list(world.store.outbox)
    with pytest.raises(Invalid):
        await world.chats.invite(actor_id=world.alice, chat_id=direct.id, user_id=world.carol)
    assert world.live.calls == []
    assert world.store.outbox == outbox_before


async def test_leaving_a_room(world: World) -> None:
    chat_id = await group(world, world.bob, world.carol)
    world.live.calls.clear()

    await world.chats.remove(actor_id=world.bob, chat_id=chat_id, user_id=world.bob)

    frame = {"type": "member_left", "chat_id": str(chat_id), "user_id": str(world.bob)}
    to_leaver, to_room = world.live.calls
    assert (to_leaver.kind, to_leaver.target, to_leaver.frame, to_leaver.leave_chat) == (
        "to_user",
        world.bob,
        frame,
        chat_id,
    )
    assert (to_room.kind, to_room.target, to_room.frame) == ("to_chat", chat_id, frame)
    with pytest.raises(Forbidden):
        await world.chats.get(user_id=world.bob, chat_id=chat_id)  # the cache was dropped


async def test_the_owner_removes_others_but_members_cannot(world: World) -> None:
    chat_id = await group(world, world.bob, world.carol)

    with pytest.raises(Forbidden):
        await world.chats.remove(actor_id=world.bob, chat_id=chat_id, user_id=world.carol)
    await world.chats.remove(actor_id=world.alice, chat_id=chat_id, user_id=world.carol)

    assert await world.chats.member_ids(chat_id=chat_id) == {world.alice, world.bob}
    with pytest.raises(NotFound):
        await world.chats.remove(actor_id=world.alice, chat_id=chat_id, user_id=world.dave)
    with pytest.raises(Forbidden):
        await world.chats.remove(actor_id=world.dave, chat_id=chat_id, user_id=world.dave)


async def test_nobody_leaves_a_direct_chat(world: World) -> None:
    direct, _ = await world.chats.open_direct(user_id=world.alice, partner_id=world.bob)

    with pytest.raises(Invalid):
        await world.chats.remove(actor_id=world.alice, chat_id=direct.id, user_id=world.alice)


async def test_ownership_passes_to_the_longest_standing_member(world: World) -> None:
    chat_id = await group(world)
    for newcomer in (world.carol, world.bob):
        world.clock.advance()
        await world.chats.invite(actor_id=world.alice, chat_id=chat_id, user_id=newcomer)

    await world.chats.remove(actor_id=world.alice, chat_id=chat_id, user_id=world.alice)

    view = await world.chats.get(user_id=world.bob, chat_id=chat_id)
    roles = {
        m.user.id: m.role for m in await world.chats.members(user_id=world.bob, chat_id=chat_id)
    }
    assert view.owner_id == world.carol
    assert roles == {world.carol: "owner", world.bob: "member"}
    await world.chats.remove(actor_id=world.carol, chat_id=chat_id, user_id=world.bob)  # now may


async def test_the_api_bounds_the_members_of_a_new_room(world: World) -> None:
    with pytest.raises(Invalid, match="at most 1000"):
        await world.chats.create_group(
            owner_id=world.alice, group=GroupCreate(title="Big", member_ids=[new_id()] * 1001)
        )
    assert await world.chats.chat_ids_of(user_id=world.alice) == []
