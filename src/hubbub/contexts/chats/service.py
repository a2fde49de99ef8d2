"""LocalChatsApi: chats and rooms in this process."""

from collections.abc import Sequence
from uuid import UUID

import orjson

from hubbub.contexts.chats import model
from hubbub.contexts.chats.api import (
    MAX_INVITED,
    ChatList,
    ChatView,
    GroupCreate,
    MemberView,
    PartnerView,
)
from hubbub.contexts.chats.events import (
    MEMBERSHIP_TOPICS,
    ChatCreated,
    MemberInvited,
    MemberJoined,
    MemberLeft,
)
from hubbub.contexts.chats.model import Chat, Member
from hubbub.contexts.chats.ports import ActivityLookup, ChatStore, Committed
from hubbub.contexts.users import UsersApi, UserView
from hubbub.kernel import frames
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import Conflict, Forbidden, Invalid, NotFound
from hubbub.kernel.events import Event
from hubbub.kernel.ids import new_id
from hubbub.kernel.ports import Cache, LiveEvents


class LocalChatsApi:
    def __init__(
        self,
        *,
        store: ChatStore,
        users: UsersApi,
        live: LiveEvents,
        clock: Clock,
        cache: Cache,
        activity: ActivityLookup | None = None,
        committed: Sequence[Committed] = (),
        member_cache_seconds: float = 30.0,
    ) -> None:
        self._store = store
        self._users = users
        self._live = live
        self._clock = clock
        # Chats asks messages about activity; messages never asks chats (it keeps the
        # membership it needs from this context's events), so there is no cycle.
        self._activity = activity
        self._committed = tuple(committed)
        # chat id -> member ids, shared by every process; dropped on each membership change.
        self._cache = cache
        self._member_cache_seconds = member_cache_seconds

    # -- commands ---------------------------------------------------------------------

    async def open_direct(self, *, user_id: UUID, partner_id: UUID) -> tuple[ChatView, bool]:
        """The pair's direct chat; created (and announced to the partner) when new."""
        model.check_partner(user_id, partner_id)
        await self._existing_user(partner_id)
        key = model.direct_key(user_id, partner_id)
        existing = await self._store.find_direct(key)
        if existing is not None:
            return (await self._views(user_id, [existing]))[0], False
        now = self._clock.now()
        fresh = Chat(new_id(), "direct", None, None, key, now)
        pair = [Member(fresh.id, u, "member", now) for u in (user_id, partner_id)]
        events = _created(fresh, pair)
        chat = await self._store.add_chat(fresh, pair, events)
        created = chat.id == fresh.id
        if created:
            await self._cache.delete(_members_key(chat.id))
            await self._tell(events)
            await self._live.to_user(user_id, None, join_chat=chat.id)
            partner_view = (await self._views(partner_id, [chat]))[0]
            frame = frames.ChatCreated[ChatView](chat=partner_view).dump()
            await self._live.to_user(partner_id, frame, join_chat=chat.id)
        return (await self._views(user_id, [chat]))[0], created

    async def create_group(self, *, owner_id: UUID, group: GroupCreate) -> ChatView:
        """A room owned by its creator; every listed member gets a `chat_invite`."""
        title = model.check_title(group.title)
        if len(group.member_ids) > MAX_INVITED:
            raise Invalid(f"member_ids: at most {MAX_INVITED}", code="too_many_members")
        invited = list(dict.fromkeys(m for m in group.member_ids if m != owner_id))
        found = await self._users.get_many(user_ids=set(invited))
        missing = [str(m) for m in invited if m not in found or found[m].deleted]
        if missing:
            raise NotFound(f"member_ids: unknown users {', '.join(missing)}", code="user_not_found")
        now = self._clock.now()
        chat = Chat(new_id(), "group", title, owner_id, None, now)
        people = [Member(chat.id, owner_id, "owner", now)]
        people += [Member(chat.id, m, "member", now) for m in invited]
        events = _created(chat, people)
        await self._store.add_chat(
            chat,
            people,
            [*events, *(MemberInvited(chat.id, m, owner_id, title, now) for m in invited)],
        )
        await self._tell(events)
        await self._live.to_user(owner_id, None, join_chat=chat.id)
        for member_id in invited:
            await self._announce_invite(chat, member_id)
        return (await self._views(owner_id, [chat]))[0]

    async def invite(self, *, actor_id: UUID, chat_id: UUID, user_id: UUID) -> MemberView:
        """Add someone to a room (any member may invite)."""
        chat = await self._chat_of_member(chat_id, actor_id)
        model.check_group(chat.type, "invite")
        invitee = await self._existing_user(user_id)
        member = Member(chat_id, user_id, "member", self._clock.now())
        invited = MemberInvited(chat_id, user_id, actor_id, chat.title, member.joined_at)
        joined = MemberJoined(chat_id, user_id, new_id())
        if not await self._store.add_member(member, [joined, invited]):
            raise Conflict("user is already a member", code="already_member")
        await self._cache.delete(_members_key(chat_id))
        await self._tell([joined])
        if self._activity is not None:
            await self._activity.catch_up(user_id=user_id, chat_id=chat_id)
        await self._live.to_chat(
            chat_id,
            frames.MemberJoined(chat_id=chat_id, user_id=user_id).dump(),
            skip_user=user_id,
        )
        await self._announce_invite(chat, user_id)
        return MemberView(user=invitee, role="member", joined_at=member.joined_at)

    async def remove(self, *, actor_id: UUID, chat_id: UUID, user_id: UUID) -> None:
        """Leave a room, or as its owner remove someone; ownership passes on if the owner leaves."""
        chat = await self._chat_of_member(chat_id, actor_id)
        model.check_group(chat.type, "remove")
        people = await self._store.members(chat_id)
        roles = {m.user_id: m.role for m in people}
        model.check_can_remove(actor_id=actor_id, target_id=user_id, actor_role=roles.get(actor_id))
        if user_id not in roles:
            raise NotFound("user is not a member of this chat", code="not_a_member")
        heir = model.next_owner(people, user_id) if roles[user_id] == "owner" else None
        await self._leave(chat_id, user_id, heir.user_id if heir else None)
        frame = frames.MemberLeft(chat_id=chat_id, user_id=user_id).dump()
        await self._live.to_user(user_id, frame, leave_chat=chat_id)
        await self._live.to_chat(chat_id, frame)

    async def forget_user(self, *, user_id: UUID) -> None:
        """A deleted account leaves every chat: rooms as if they left (ownership passes on,
        the others get `member_left`), direct chats quietly (the partner keeps the chat and
        its history, and sees a deleted account as partner). Idempotent."""
        for membership in await self._store.memberships_of(user_id):
            chat = await self._store.get_chat(membership.chat_id)
            if chat is None:
                continue
            heir = None
            if chat.type == "group" and membership.role == "owner":
                heir = model.next_owner(await self._store.members(chat.id), user_id)
            await self._leave(chat.id, user_id, heir.user_id if heir else None)
            if chat.type == "group":
                frame = frames.MemberLeft(chat_id=chat.id, user_id=user_id).dump()
                await self._live.to_chat(chat.id, frame)

    # -- queries ----------------------------------------------------------------------

    async def set_muted(self, *, user_id: UUID, chat_id: UUID, muted: bool) -> ChatView:
        """Mute or unmute the chat for the member (their own setting)."""
        chat = await self._chat_of_member(chat_id, user_id)
        await self._store.set_muted(chat_id, user_id, muted)
        return (await self._views(user_id, [chat]))[0]

    async def get(self, *, user_id: UUID, chat_id: UUID) -> ChatView:
        """A chat as the member sees it."""
        chat = await self._chat_of_member(chat_id, user_id)
        return (await self._views(user_id, [chat]))[0]

    async def list_chats(
        self, *, user_id: UUID, limit: int, offset: int, unread_only: bool
    ) -> ChatList:
        """The member's chats, newest activity first.

        Activity lives with the messages, so ordering happens here over the member's chats
        (hundreds at most for a person), not in one SQL query across contexts.
        """
        if not 1 <= limit <= MAX_PAGE or not 0 <= offset <= MAX_OFFSET:
            raise Invalid(f"limit: 1–{MAX_PAGE}, offset: 0–{MAX_OFFSET}", code="validation_error")
        memberships = await self._store.memberships_of(user_id)
        chats = await self._store.get_chats([m.chat_id for m in memberships])
        views = await self._views(user_id, chats)
        if unread_only:
            views = [v for v in views if v.unread_count > 0]
        views.sort(key=lambda v: (v.updated_at, v.id), reverse=True)
        page = views[offset : offset + limit]
        return ChatList(chats=page, total=len(views), has_more=offset + len(page) < len(views))

    async def members(self, *, user_id: UUID, chat_id: UUID) -> list[MemberView]:
        """The members of a chat the caller belongs to, oldest first."""
        await self._chat_of_member(chat_id, user_id)
        people = await self._store.members(chat_id)
        profiles = await self._users.get_many(user_ids={m.user_id for m in people})
        return [
            MemberView(user=profiles[m.user_id], role=m.role, joined_at=m.joined_at)
            for m in people
            if m.user_id in profiles
        ]

    async def is_member(self, *, chat_id: UUID, user_id: UUID) -> bool:
        """Membership, answered from a short-lived cache when possible."""
        return str(user_id) in await self._cached_member_ids(chat_id)

    async def check_member(self, *, chat_id: UUID, user_id: UUID) -> None:
        """NotFound / Forbidden unless the user is a member."""
        if await self.is_member(chat_id=chat_id, user_id=user_id):
            return
        await self._chat_of_member(chat_id, user_id)

    async def member_ids(self, *, chat_id: UUID) -> set[UUID]:
        """Ids of the chat's members."""
        return {UUID(member) for member in await self._cached_member_ids(chat_id)}

    async def _cached_member_ids(self, chat_id: UUID) -> list[str]:
        key = _members_key(chat_id)
        cached = await self._cache.get(key)
        if cached is not None:
            members: list[str] = orjson.loads(cached)
            return members
        members = [str(m.user_id) for m in await self._store.members(chat_id)]
        await self._cache.set(key, orjson.dumps(members), ttl_seconds=self._member_cache_seconds)
        return members

    async def chat_ids_of(self, *, user_id: UUID) -> list[UUID]:
        """Ids of the user's chats."""
        return [m.chat_id for m in await self._store.memberships_of(user_id)]

    async def contacts_of(self, *, user_id: UUID) -> set[UUID]:
        """Everyone sharing a chat with the user."""
        chat_ids = await self.chat_ids_of(user_id=user_id)
        people = await self._store.members_of_chats(chat_ids)
        return {m.user_id for m in people} - {user_id}

    # -- helpers ----------------------------------------------------------------------

    async def _leave(self, chat_id: UUID, user_id: UUID, new_owner: UUID | None) -> None:
        left = MemberLeft(chat_id, user_id, new_owner, new_id())
        removed = await self._store.remove_member(
            chat_id, user_id, new_owner=new_owner, events=[left]
        )
        await self._cache.delete(_members_key(chat_id))
        if removed:
            await self._tell([left])

    async def _tell(self, events: Sequence[Event]) -> None:
        """Hand the committed membership events to the in-process listeners (see
        `Committed`); the bus brings them to every other consumer."""
        records = [
            (e.topic, e.key, orjson.dumps(e.to_payload()))
            for e in events
            if e.topic in MEMBERSHIP_TOPICS
        ]
        for listener in self._committed:
            await listener(records)

    async def _existing_user(self, user_id: UUID) -> UserView:
        """The profile of a user who exists (NotFound for unknown and deleted accounts)."""
        found = await self._users.get(user_id=user_id)
        if found.deleted:
            raise NotFound("user not found", code="user_not_found")
        return found

    async def _chat_of_member(self, chat_id: UUID, user_id: UUID) -> Chat:
        chat = await self._store.get_chat(chat_id)
        if chat is None:
            raise NotFound("chat not found", code="chat_not_found")
        if not await self.is_member(chat_id=chat_id, user_id=user_id):
            raise Forbidden("you are not a member of this chat", code="not_a_member")
        return chat

    async def _announce_invite(self, chat: Chat, user_id: UUID) -> None:
        view = (await self._views(user_id, [chat]))[0]
        frame = frames.ChatInvite[ChatView](chat=view).dump()
        await self._live.to_user(user_id, frame, join_chat=chat.id)

    async def _views(self, user_id: UUID, chats: list[Chat]) -> list[ChatView]:
        ids = [c.id for c in chats]
        counts = await self._store.member_counts(ids)
        partners = await self._partners(user_id, [c for c in chats if c.type == "direct"])
        activity = (
            await self._activity.activity(user_id=user_id, chat_ids=ids) if self._activity else {}
        )
        muted = await self._store.muted_among(user_id, ids)
        views = []
        for chat in chats:
            act = activity.get(chat.id)
            last = act.last_message if act else None
            partner = partners.get(chat.id)
            if partner is not None and act is not None:
                partner = partner.model_copy(update={"last_read_seq": act.others_read_seq})
            last_seq = act.last_seq if act else 0
            last_read = min(act.last_read_seq, last_seq) if act else 0
            views.append(
                ChatView(
                    id=chat.id,
                    type=chat.type,
                    title=chat.title,
                    partner=partner,
                    members_count=counts.get(chat.id, 0),
                    owner_id=chat.owner_id,
                    last_message=last,
                    last_seq=last_seq,
                    last_read_seq=last_read,
                    unread_count=last_seq - last_read,
                    mention_count=act.mention_count if act else 0,
                    muted=chat.id in muted,
                    created_at=chat.created_at,
                    updated_at=last.created_at if last else chat.created_at,
                )
            )
        return views

    async def _partners(self, user_id: UUID, direct: list[Chat]) -> dict[UUID, PartnerView]:
        if not direct:
            return {}
        # The pair is in the chat's key, so a partner whose account was deleted (and who
        # has left the chat) is still known, and shown as a deleted account.
        partner_of = {
            c.id: partner
            for c in direct
            if (partner := model.partner_in(c.direct_key, user_id)) is not None
        }
        profiles = await self._users.get_many(user_ids=set(partner_of.values()))
        return {
            chat_id: PartnerView(
                id=p.id,
                username=p.username,
                display_name=p.display_name,
                online=p.online,
                deleted=p.deleted,
            )
            for chat_id, pid in partner_of.items()
            if (p := profiles.get(pid)) is not None
        }


MAX_PAGE = 100  # chats per page, as the REST query allows
MAX_OFFSET = 2**31 - 1


def _created(chat: Chat, people: list[Member]) -> list[Event]:
    """The membership events of a new chat: the chat, then each member."""
    change = new_id()
    events: list[Event] = [ChatCreated(chat.id, chat.type, chat.owner_id, change)]
    events += [MemberJoined(chat.id, m.user_id, change) for m in people]
    return events


def _members_key(chat_id: UUID) -> str:
    return f"chats:members:{chat_id}"
