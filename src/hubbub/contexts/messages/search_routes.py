"""/api/v1/search/messages: full-text search over the caller's chats."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from hubbub.apis import apis
from hubbub.contexts.auth import CurrentUser
from hubbub.contexts.messages.api import SearchPage
from hubbub.http_errors import ERROR_RESPONSES
from hubbub.kernel.ids import Id
from hubbub.kernel.text import PLAIN_PATTERN

router = APIRouter(prefix="/api/v1/search", tags=["search"], responses=ERROR_RESPONSES(401))


@router.get("/messages", response_model=SearchPage, responses=ERROR_RESPONSES(403, 404, 422))
async def search_messages(
    user: CurrentUser,
    request: Request,
    q: Annotated[
        str,
        Query(
            description="Words to find (every one must match); 1–500 characters, no control "
            "characters",
            json_schema_extra={"maxLength": 500, "pattern": PLAIN_PATTERN},
        ),
    ],
    chat_id: Id | None = None,
    sender_id: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before: Annotated[
        str | None, Query(max_length=200, description="`next` of the last page")
    ] = None,
) -> SearchPage:
    """Ranked results with `<mark>` highlights over the chats you are a member of; words match
    their other forms in English and Russian. 422 `empty_query` for only stop words or
    punctuation."""
    return await apis(request).messages.search(
        user_id=user.user_id,
        query=q,
        chat_id=chat_id,
        sender_id=sender_id,
        limit=limit,
        before=before,
    )
