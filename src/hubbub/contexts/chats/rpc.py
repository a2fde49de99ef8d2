"""The chats context over gRPC, both sides in one file (the users pattern): `ChatsServicer`
serves any `ChatsApi` (the local service, in the chats process), and `GrpcChatsApi` is a
`ChatsApi` that calls it. The same contract suite runs over both
(tests/contract/test_chats_api.py). This module only translates.
"""

from uuid import UUID

import grpc

from hubbub.contexts.chats.api import (
    ChatList,
    ChatsApi,
    ChatView,
    GroupCreate,
    MemberView,
    PartnerView,
)
from hubbub.contexts.messages import MessageBrief
from hubbub.contexts.users import UserView
from hubbub.infra.rpc.convert import from_timestamp, parse_id, parse_ids, to_timestamp
from hubbub.infra.rpc.types import Context
from hubbub.rpc_gen.chats.v1 import chats_pb2 as pb
from hubbub.rpc_gen.chats.v1 import chats_pb2_grpc
from hubbub.rpc_gen.messages.v1 import messages_pb2
from hubbub.rpc_gen.users.v1 import users_pb2

SERVICE = pb.DESCRIPTOR.services_by_name["ChatsService"]

_TYPES = {"direct": pb.CHAT_TYPE_DIRECT, "group": pb.CHAT_TYPE_GROUP}
_ROLES = {"owner": pb.MEMBER_ROLE_OWNER, "member": pb.MEMBER_ROLE_MEMBER}


class ChatsServicer(chats_pb2_grpc.ChatsServiceServicer):
    """The ChatsService of proto/hubbub/chats/v1, answered by a `ChatsApi`."""

    def __init__(self, api: ChatsApi) -> None:
        self._api = api

    async def OpenDirectChat(
        self, request: pb.OpenDirectChatRequest, context: Context
    ) -> pb.OpenDirectChatResponse:
        view, created = await self._api.open_direct(
            user_id=parse_id(request.user_id, field="user_id"),
            partner_id=parse_id(request.partner_id, field="partner_id"),
        )
        return pb.OpenDirectChatResponse(chat=_chat_to_pb(view), created=created)

    async def CreateGroup(
        self, request: pb.CreateGroupRequest, context: Context
    ) -> pb.CreateGroupResponse:
        group = GroupCreate(
            title=request.title,
            member_ids=tuple(parse_ids(request.member_ids, field="member_ids")),
        )
        owner = parse_id(request.owner_id, field="owner_id")
        view = await self._api.create_group(owner_id=owner, group=group)
        return pb.CreateGroupResponse(chat=_chat_to_pb(view))

    async def GetChatByID(
        self, request: pb.GetChatByIDRequest, context: Context
    ) -> pb.GetChatByIDResponse:
        view = await self._api.get(
            user_id=parse_id(request.user_id, field="user_id"),
            chat_id=parse_id(request.chat_id, field="chat_id"),
        )
        return pb.GetChatByIDResponse(chat=_chat_to_pb(view))

    async def ListChats(
        self, request: pb.ListChatsRequest, context: Context
    ) -> pb.ListChatsResponse:
        page = await self._api.list_chats(
            user_id=parse_id(request.user_id, field="user_id"),
            limit=request.limit,
            offset=request.offset,
            unread_only=request.unread_only,
        )
        return pb.ListChatsResponse(
            chats=[_chat_to_pb(c) for c in page.chats], total=page.total, has_more=page.has_more
        )

    async def ListMembers(
        self, request: pb.ListMembersRequest, context: Context
    ) -> pb.ListMembersResponse:
        members = await self._api.members(
            user_id=parse_id(request.user_id, field="user_id"),
            chat_id=parse_id(request.chat_id, field="chat_id"),
        )
        return pb.ListMembersResponse(members=[_member_to_pb(m) for m in members])

    async def InviteMember(
        self, request: pb.InviteMemberRequest, context: Context
    ) -> pb.InviteMemberResponse:
        member = await self._api.invite(
            actor_id=parse_id(request.actor_id, field="actor_id"),
            chat_id=parse_id(request.chat_id, field="chat_id"),
            user_id=parse_id(request.user_id, field="user_id"),
        )
        return pb.InviteMemberResponse(member=_member_to_pb(member))

    async def RemoveMember(
        self, request: pb.RemoveMemberRequest, context: Context
    ) -> pb.RemoveMemberResponse:
        await self._api.remove(
            actor_id=parse_id(request.actor_id, field="actor_id"),
            chat_id=parse_id(request.chat_id, field="chat_id"),
            user_id=parse_id(request.user_id, field="user_id"),
        )
        return pb.RemoveMemberResponse()

    async def IsMember(self, request: pb.IsMemberRequest, context: Context) -> pb.IsMemberResponse:
        found = await self._api.is_member(
            chat_id=parse_id(request.chat_id, field="chat_id"),
            user_id=parse_id(request.user_id, field="user_id"),
        )
        return pb.IsMemberResponse(is_member=found)

    async def CheckMember(
        self, request: pb.CheckMemberRequest, context: Context
    ) -> pb.CheckMemberResponse:
        await self._api.check_member(
            chat_id=parse_id(request.chat_id, field="chat_id"),
            user_id=parse_id(request.user_id, field="user_id"),
        )
        return pb.CheckMemberResponse()

    async def GetUsersByChatID(
        self, request: pb.GetUsersByChatIDRequest, context: Context
    ) -> pb.GetUsersByChatIDResponse:
        ids = await self._api.member_ids(chat_id=parse_id(request.chat_id, field="chat_id"))
        return pb.GetUsersByChatIDResponse(user_ids=sorted(str(i) for i in ids))

    async def GetChatIDsByUser(
        self, request: pb.GetChatIDsByUserRequest, context: Context
    ) -> pb.GetChatIDsByUserResponse:
        ids = await self._api.chat_ids_of(user_id=parse_id(request.user_id, field="user_id"))
        return pb.GetChatIDsByUserResponse(chat_ids=[str(i) for i in ids])

    async def GetContacts(
        self, request: pb.GetContactsRequest, context: Context
    ) -> pb.GetContactsResponse:
        ids = await self._api.contacts_of(user_id=parse_id(request.user_id, field="user_id"))
        return pb.GetContactsResponse(user_ids=sorted(str(i) for i in ids))

    async def SetMuted(self, request: pb.SetMutedRequest, context: Context) -> pb.SetMutedResponse:
        view = await self._api.set_muted(
            user_id=parse_id(request.user_id, field="user_id"),
            chat_id=parse_id(request.chat_id, field="chat_id"),
            muted=request.muted,
        )
        return pb.SetMutedResponse(chat=_chat_to_pb(view))


def add_chats_service(server: grpc.aio.Server, api: ChatsApi) -> None:
    """Serve `api` as the ChatsService on `server`."""
    chats_pb2_grpc.add_ChatsServiceServicer_to_server(ChatsServicer(api), server)


class GrpcChatsApi:
    """A `ChatsApi` answered by the chats service behind `channel`."""

    def __init__(self, channel: grpc.aio.Channel) -> None:
        self._stub = chats_pb2_grpc.ChatsServiceStub(channel)

    async def open_direct(self, *, user_id: UUID, partner_id: UUID) -> tuple[ChatView, bool]:
        request = pb.OpenDirectChatRequest(user_id=str(user_id), partner_id=str(partner_id))
        answer = await self._stub.OpenDirectChat(request)
        return _chat_from_pb(answer.chat), answer.created

    async def create_group(self, *, owner_id: UUID, group: GroupCreate) -> ChatView:
        request = pb.CreateGroupRequest(
            owner_id=str(owner_id), title=group.title, member_ids=[str(m) for m in group.member_ids]
        )
        return _chat_from_pb((await self._stub.CreateGroup(request)).chat)

    async def set_muted(self, *, user_id: UUID, chat_id: UUID, muted: bool) -> ChatView:
        request = pb.SetMutedRequest(user_id=str(user_id), chat_id=str(chat_id), muted=muted)
        return _chat_from_pb((await self._stub.SetMuted(request)).chat)

    async def get(self, *, user_id: UUID, chat_id: UUID) -> ChatView:
        request = pb.GetChatByIDRequest(user_id=str(user_id), chat_id=str(chat_id))
        return _chat_from_pb((await self._stub.GetChatByID(request)).chat)

    async def list_chats(
        self, *, user_id: UUID, limit: int, offset: int, unread_only: bool
    ) -> ChatList:
        request = pb.ListChatsRequest(
            user_id=str(user_id), limit=limit, offset=offset, unread_only=unread_only
        )
        answer = await self._stub.ListChats(request)
        return ChatList(
            chats=[_chat_from_pb(c) for c in answer.chats],
            total=answer.total,
            has_more=answer.has_more,
        )

    async def members(self, *, user_id: UUID, chat_id: UUID) -> list[MemberView]:
        request = pb.ListMembersRequest(user_id=str(user_id), chat_id=str(chat_id))
        return [_member_from_pb(m) for m in (await self._stub.ListMembers(request)).members]

    async def invite(self, *, actor_id: UUID, chat_id: UUID, user_id: UUID) -> MemberView:
        request = pb.InviteMemberRequest(
            actor_id=str(actor_id), chat_id=str(chat_id), user_id=str(user_id)
        )
        return _member_from_pb((await self._stub.InviteMember(request)).member)

    async def remove(self, *, actor_id: UUID, chat_id: UUID, user_id: UUID) -> None:
        request = pb.RemoveMemberRequest(
            actor_id=str(actor_id), chat_id=str(chat_id), user_id=str(user_id)
        )
        await self._stub.RemoveMember(request)

    async def is_member(self, *, chat_id: UUID, user_id: UUID) -> bool:
        request = pb.IsMemberRequest(chat_id=str(chat_id), user_id=str(user_id))
        return (await self._stub.IsMember(request)).is_member

    async def check_member(self, *, chat_id: UUID, user_id: UUID) -> None:
        await self._stub.CheckMember(
            pb.CheckMemberRequest(chat_id=str(chat_id), user_id=str(user_id))
        )

    async def member_ids(self, *, chat_id: UUID) -> set[UUID]:
        answer = await self._stub.GetUsersByChatID(pb.GetUsersByChatIDRequest(chat_id=str(chat_id)))
        return {UUID(i) for i in answer.user_ids}

    async def chat_ids_of(self, *, user_id: UUID) -> list[UUID]:
        answer = await self._stub.GetChatIDsByUser(pb.GetChatIDsByUserRequest(user_id=str(user_id)))
        return [UUID(i) for i in answer.chat_ids]

    async def contacts_of(self, *, user_id: UUID) -> set[UUID]:
        answer = await self._stub.GetContacts(pb.GetContactsRequest(user_id=str(user_id)))
        return {UUID(i) for i in answer.user_ids}


def _chat_to_pb(view: ChatView) -> pb.Chat:
    partner = view.partner
    last = view.last_message
    return pb.Chat(
        id=str(view.id),
        type=_TYPES[view.type],
        title=view.title,
        partner=pb.Partner(
            id=str(partner.id),
            username=partner.username,
            display_name=partner.display_name,
            online=partner.online,
            last_read_seq=partner.last_read_seq,
            deleted=partner.deleted,
        )
        if partner is not None
        else None,
        members_count=view.members_count,
        owner_id=str(view.owner_id) if view.owner_id else None,
        last_message=messages_pb2.MessageBrief(
            id=str(last.id),
            seq=last.seq,
            sender_id=str(last.sender_id),
            text=last.text,
            created_at=to_timestamp(last.created_at),
            ai_generated=last.ai_generated,
            deleted=last.deleted,
        )
        if last is not None
        else None,
        last_seq=view.last_seq,
        last_read_seq=view.last_read_seq,
        unread_count=view.unread_count,
        mention_count=view.mention_count,
        muted=view.muted,
        created_at=to_timestamp(view.created_at),
        updated_at=to_timestamp(view.updated_at),
    )


def _chat_from_pb(chat: pb.Chat) -> ChatView:
    partner = last = None
    if chat.HasField("partner"):
        p = chat.partner
        partner = PartnerView(
            id=UUID(p.id),
            username=p.username,
            display_name=p.display_name,
            online=p.online,
            last_read_seq=p.last_read_seq,
            deleted=p.deleted,
        )
    if chat.HasField("last_message"):
        m = chat.last_message
        last = MessageBrief(
            id=UUID(m.id),
            seq=m.seq,
            sender_id=UUID(m.sender_id),
            text=m.text,
            created_at=from_timestamp(m.created_at),
            ai_generated=m.ai_generated,
            deleted=m.deleted,
        )
    return ChatView(
        id=UUID(chat.id),
        type="direct" if chat.type == pb.CHAT_TYPE_DIRECT else "group",
        title=chat.title if chat.HasField("title") else None,
        partner=partner,
        members_count=chat.members_count,
        owner_id=UUID(chat.owner_id) if chat.HasField("owner_id") else None,
        last_message=last,
        last_seq=chat.last_seq,
        last_read_seq=chat.last_read_seq,
        unread_count=chat.unread_count,
        mention_count=chat.mention_count,
        muted=chat.muted,
        created_at=from_timestamp(chat.created_at),
        updated_at=from_timestamp(chat.updated_at),
    )


def _member_to_pb(member: MemberView) -> pb.Member:
    user = member.user
    return pb.Member(
        user=users_pb2.UserView(
            id=str(user.id),
            username=user.username,
            display_name=user.display_name,
            online=user.online,
            last_seen_at=to_timestamp(user.last_seen_at) if user.last_seen_at else None,
            deleted=user.deleted,
        ),
        role=_ROLES[member.role],
        joined_at=to_timestamp(member.joined_at),
    )


def _member_from_pb(member: pb.Member) -> MemberView:
    user = member.user
    return MemberView(
        user=UserView(
            id=UUID(user.id),
            username=user.username,
            display_name=user.display_name,
            online=user.online,
            last_seen_at=from_timestamp(user.last_seen_at)
            if user.HasField("last_seen_at")
            else None,
            deleted=user.deleted,
        ),
        role="owner" if member.role == pb.MEMBER_ROLE_OWNER else "member",
        joined_at=from_timestamp(member.joined_at),
    )
