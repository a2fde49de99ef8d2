"""/api/v1/chats: direct chats, rooms and their members."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Discriminator, Field, StrictBool, Tag

from hubbub.apis import apis
from hubbub.contexts.auth import CurrentUser
from hubbub.contexts.chats.api import ChatList, ChatView, GroupCreate, MemberView
from hubbub.http_errors import ERROR_RESPONSES, with_errors
from hubbub.kernel.ids import Id
from hubbub.kernel.params import INT32_MAX, QueryBool
from hubbub.kernel.text import NAME_PATTERN

router = APIRouter(prefix="/api/v1/chats", tags=["chats"], responses=ERROR_RESPONSES(401))


class DirectChatCreate(BaseModel):
    """`{"partner_id"}`: the direct chat with one other user."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["direct"] = "direct"
    partner_id: Id


class GroupChatCreate(BaseModel):
    """`{"type": "group", "title", "member_ids"}`: a room owned by the caller."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["group"]
    title: str = Field(
        description="Up to 100 characters with something visible (runs of spaces become one); "
        "no control or bidirectional formatting characters",
        json_schema_extra={"maxLength": 100, "pattern": NAME_PATTERN},
    )
    member_ids: list[Id] = Field(default_factory=list, max_length=1000)


def _chat_kind(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return "group" if kind == "group" else "direct"


ChatCreate = Annotated[
    Annotated[DirectChatCreate, Tag("direct")] | Annotated[GroupChatCreate, Tag("group")],
    Discriminator(_chat_kind),
]
"""One of the two shapes (`oneOf` in the OpenAPI document), told apart by `type`."""


class MemberList(BaseModel):
    members: list[MemberView]


class MemberAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Id


@router.post(
    "",
    status_code=201,
    response_model=ChatView,
    responses=with_errors(
        {200: {"model": ChatView, "description": "The existing direct chat"}}, 404, 422
    ),
)
async def create_chat(
    body: Annotated[ChatCreate, Body()], user: CurrentUser, request: Request, response: Response
) -> ChatView:
    """Open a direct chat (201 new, 200 existing) or create a group room (201)."""
    chats = apis(request).chats
    if isinstance(body, GroupChatCreate):
        group = GroupCreate(title=body.title, member_ids=body.member_ids)
        view = await chats.create_group(owner_id=user.user_id, group=group)
        created = True
    else:
        view, created = await chats.open_direct(user_id=user.user_id, partner_id=body.partner_id)
    response.status_code = 201 if created else 200
    return view


@router.get("", response_model=ChatList, responses=ERROR_RESPONSES(422))
async def list_chats(
    user: CurrentUser,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=INT32_MAX)] = 0,
    unread_only: QueryBool = False,
) -> ChatList:
    """The caller's chats, newest activity first."""
    return await apis(request).chats.list_chats(
        user_id=user.user_id, limit=limit, offset=offset, unread_only=unread_only
    )


@router.get("/{chat_id}", response_model=ChatView, responses=ERROR_RESPONSES(403, 404, 422))
async def get_chat(chat_id: Id, user: CurrentUser, request: Request) -> ChatView:
    """One chat as the caller sees it."""
    return await apis(request).chats.get(user_id=user.user_id, chat_id=chat_id)


@router.get(
    "/{chat_id}/members", response_model=MemberList, responses=ERROR_RESPONSES(403, 404, 422)
)
async def list_members(chat_id: Id, user: CurrentUser, request: Request) -> MemberList:
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
    chat_id: Id, body: MemberAdd, user: CurrentUser, request: Request
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
async def remove_member(chat_id: Id, user_id: Id, user: CurrentUser, request: Request) -> Response:
    """Leave a group (your own id) or, as its owner, remove someone."""
    await apis(request).chats.remove(actor_id=user.user_id, chat_id=chat_id, user_id=user_id)
    return Response(status_code=204)


class ChatSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    muted: StrictBool


@router.patch(
    "/{chat_id}/settings", response_model=ChatView, responses=ERROR_RESPONSES(403, 404, 422)
)
async def update_settings(
    chat_id: Id, body: ChatSettings, user: CurrentUser, request: Request
) -> ChatView:
    """Your own settings of a chat: `muted` (no notifications; unread is still counted)."""
    return await apis(request).chats.set_muted(
        user_id=user.user_id, chat_id=chat_id, muted=body.muted
    )
