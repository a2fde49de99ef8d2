"""/api/v1/chats: direct chats, rooms and their members."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from hubbub.apis import apis
from hubbub.contexts.auth import CurrentUser
from hubbub.contexts.chats.api import ChatList, ChatView, GroupCreate, MemberView
from hubbub.http_errors import ERROR_RESPONSES, with_errors
from hubbub.kernel.errors import Invalid

router = APIRouter(prefix="/api/v1/chats", tags=["chats"], responses=ERROR_RESPONSES(401))


class ChatCreate(BaseModel):
    """Either `{"partner_id"}` (direct) or `{"type": "group", "title", "member_ids"}`."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(default="direct", pattern="^(direct|group)$")
    partner_id: UUID | None = None
    title: str | None = Field(default=None, max_length=1000)
    member_ids: list[UUID] = Field(default_factory=list, max_length=1000)


class MemberList(BaseModel):
    members: list[MemberView]


class MemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: UUID


@router.post(
    "",
    status_code=201,
    response_model=ChatView,
    responses=with_errors(
        {200: {"model": ChatView, "description": "The existing direct chat"}}, 404, 422
    ),
)
async def create_chat(
    body: ChatCreate, user: CurrentUser, request: Request, response: Response
) -> ChatView:
    """Open a direct chat (201 new, 200 existing) or create a group room (201)."""
    chats = apis(request).chats
    if body.type == "group":
        if body.title is None:
            raise Invalid("title: required for a group", code="validation_error")
        group = GroupCreate(title=body.title, member_ids=body.member_ids)
        view = await chats.create_group(owner_id=user.user_id, group=group)
        created = True
    else:
        if body.partner_id is None:
            raise Invalid("partner_id: required for a direct chat", code="validation_error")
        view, created = await chats.open_direct(user_id=user.user_id, partner_id=body.partner_id)
    response.status_code = 201 if created else 200
    return view


@router.get("", response_model=ChatList, responses=ERROR_RESPONSES(422))
async def list_chats(
    user: CurrentUser,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
    unread_only: bool = False,
) -> ChatList:
    """The caller's chats, newest activity first."""
    return await apis(request).chats.list_chats(
        user_id=user.user_id, limit=limit, offset=offset, unread_only=unread_only
    )


@router.get("/{chat_id}", response_model=ChatView, responses=ERROR_RESPONSES(403, 404, 422))
async def get_chat(chat_id: UUID, user: CurrentUser, request: Request) -> ChatView:
    """One chat as the caller sees it."""
    return await apis(request).chats.get(user_id=user.user_id, chat_id=chat_id)


@router.get(
    "/{chat_id}/members", response_model=MemberList, responses=ERROR_RESPONSES(403, 404, 422)
)
async def list_members(chat_id: UUID, user: CurrentUser, request: Request) -> MemberList:
    """The chat's members with their roles."""
    return MemberList(
        members=await apis(request).chats.members(user_id=user.user_id, chat_id=chat_id)
    )


@router.post(
    "/{chat_id}/members",
    status_code=201,
    response_model=MemberView,
    responses=ERROR_RESPONSES(403, 404, 409, 422),
)
async def add_member(
    chat_id: UUID, body: MemberAdd, user: CurrentUser, request: Request
) -> MemberView:
    """Invite someone to a group; they get a `chat_invite` frame."""
    return await apis(request).chats.invite(
        actor_id=user.user_id, chat_id=chat_id, user_id=body.user_id
    )


@router.delete(
    "/{chat_id}/members/{user_id}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES(403, 404, 422),
)
async def remove_member(
    chat_id: UUID, user_id: UUID, user: CurrentUser, request: Request
) -> Response:
    """Leave a group (your own id) or, as its owner, remove someone."""
    await apis(request).chats.remove(actor_id=user.user_id, chat_id=chat_id, user_id=user_id)
    return Response(status_code=204)


class ChatSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    muted: bool


@router.patch(
    "/{chat_id}/settings", response_model=ChatView, responses=ERROR_RESPONSES(403, 404, 422)
)
async def update_settings(
    chat_id: UUID, body: ChatSettings, user: CurrentUser, request: Request
) -> ChatView:
    """Your own settings of a chat: `muted` (no notifications; unread is still counted)."""
    return await apis(request).chats.set_muted(
        user_id=user.user_id, chat_id=chat_id, muted=body.muted
    )
