"""/api/v1/matches: people with a similar mood."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from hubbub.apis import apis
from hubbub.contexts.auth import CurrentUser
from hubbub.contexts.matching.api import LIMIT_MAX, MatchList
from hubbub.http_errors import ERROR_RESPONSES
from hubbub.kernel.errors import Unavailable

router = APIRouter(prefix="/api/v1/matches", tags=["matching"], responses=ERROR_RESPONSES(401))


@router.get("", response_model=MatchList, responses=ERROR_RESPONSES(422))
async def matches(
    user: CurrentUser,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=LIMIT_MAX)] = 10,
) -> MatchList:
    """Discoverable people whose mood over the last 30 days is closest to the caller's, with
    a score (0..1) and the emotions both share; an empty list and a `reason` when the caller
    has too little data (fewer than 3 analysed entries in 30 days)."""
    matching = apis(request).matching
    if matching is None:
        raise Unavailable("matching is not served by this process", code="matching_unavailable")
    return await matching.matches(user_id=user.user_id, limit=limit)
