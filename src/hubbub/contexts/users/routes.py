"""/api/v1/users: profiles and search."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from hubbub.apis import apis
from hubbub.contexts.auth import AccountDeletion, CurrentUser
from hubbub.contexts.users.api import OwnProfile, ProfileUpdate, UsersApi, UserView
from hubbub.http_errors import ERROR_RESPONSES
from hubbub.kernel.ids import Id
from hubbub.kernel.text import OPTIONAL_NAME_PATTERN, PLAIN_PATTERN

router = APIRouter(prefix="/api/v1/users", tags=["users"], responses=ERROR_RESPONSES(401))


class UserList(BaseModel):
    users: list[UserView]


class ProfilePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: str | None = Field(
        default=None,
        description="No control or bidirectional formatting characters; blank (the username "
        "is used) or with something visible",
        json_schema_extra={"maxLength": 100, "pattern": OPTIONAL_NAME_PATTERN},
    )
    discoverable: StrictBool | None = None


@router.get("/me", response_model=OwnProfile)
async def me(user: CurrentUser, request: Request) -> OwnProfile:
    """The caller's own profile, with `discoverable`."""
    users = apis(request).users
    return await _own(users, await users.get(user_id=user.user_id))


@router.patch("/me", response_model=OwnProfile, responses=ERROR_RESPONSES(422))
async def update_me(body: ProfilePatch, user: CurrentUser, request: Request) -> OwnProfile:
    """Change the caller's display name or discoverability (`discoverable: true` opts in
    to matching: people with a similar mood may be shown your profile; off by default)."""
    change = ProfileUpdate(display_name=body.display_name, discoverable=body.discoverable)
    users = apis(request).users
    return await _own(users, await users.update(user_id=user.user_id, change=change))


async def _own(users: UsersApi, view: UserView) -> OwnProfile:
    discoverable = view.id in await users.discoverable_among(user_ids={view.id})
    return OwnProfile(**view.model_dump(), discoverable=discoverable)


@router.delete(
    "/me",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES(400, 403, 413, 422),
)
async def delete_me(body: AccountDeletion, user: CurrentUser, request: Request) -> Response:
    """Delete your account (403 `wrong_password` unless `password` is yours). Your
    sessions end at once (sockets close with 4401); your profile, memberships, read
    cursors and assistant data are erased; your messages in other people's chats stay,
    their sender shown as a deleted account."""
    await apis(request).auth.delete_account(principal=user, deletion=body)
    return Response(status_code=204)


@router.get("", response_model=UserList, responses=ERROR_RESPONSES(422))
async def search(
    user: CurrentUser,
    request: Request,
    query: Annotated[
        str, Query(min_length=1, max_length=50, json_schema_extra={"pattern": PLAIN_PATTERN})
    ],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> UserList:
    """Users whose username starts with `query`."""
    return UserList(users=await apis(request).users.search(prefix=query, limit=limit))


@router.get("/{user_id}", response_model=UserView, responses=ERROR_RESPONSES(404, 422))
async def get_user(user_id: Id, user: CurrentUser, request: Request) -> UserView:
    """A profile by id."""
    return await apis(request).users.get(user_id=user_id)
