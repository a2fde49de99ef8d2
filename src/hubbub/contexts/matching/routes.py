"""/api/v1/matches: people with a similar mood."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from hubbub.apis import apis
from hubbub.contexts.auth import CurrentUser
from hubbub.contexts.matching.api import LIMIT_MAX, MatchingApi, MatchList, Opener
from hubbub.http_errors import ERROR_RESPONSES
from hubbub.kernel.errors import Unavailable
from hubbub.kernel.ids import Id

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
    return await _matching(request).matches(user_id=user.user_id, limit=limit)


@router.get("/{user_id}/opener", response_model=Opener, responses=ERROR_RESPONSES(404, 422))
async def opener(
    user_id: Id,
    user: CurrentUser,
    request: Request,
    lang: Annotated[
        str | None, Query(max_length=35, pattern=r"^[A-Za-z]{1,8}([-_][A-Za-z0-9]{1,8})*$")
    ] = None,
) -> Opener:
    """A first line the assistant offers for "say hi" to a match: written lines about the
    emotion the two share most (nothing else of either diary), in `lang` (`en`, `ru`; others
    get English). 404 `match_not_found` unless `user_id` is discoverable with a mood profile."""
    return await _matching(request).opener(user_id=user.user_id, other_id=user_id, language=lang)


def _matching(request: Request) -> MatchingApi:
    matching = apis(request).matching
    if matching is None:
        raise Unavailable("matching is not served by this process", code="matching_unavailable")
    return matching
