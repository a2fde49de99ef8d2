"""REST: /api/v1/diary - the author's own entries, their export and erasure, the mood timeline.

Every route answers for the caller's diary only: an entry of anyone else is a 404, exactly
like an unknown one.
"""

import re
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from hubbub.apis import apis
from hubbub.contexts.auth import CurrentUser
from hubbub.contexts.diary.api import DiaryApi, DiaryExport, EntryList, EntryView, MoodTimeline
from hubbub.contexts.diary.model import (
    RATING_MAX,
    RATING_MIN,
    TAG_MAX,
    TAGS_MAX,
    TITLE_MAX,
)
from hubbub.http_errors import ERROR_RESPONSES
from hubbub.kernel.errors import Invalid
from hubbub.kernel.ids import Id
from hubbub.kernel.params import INT32_MAX, BodyInt
from hubbub.kernel.text import _BIDI, _BMP_INVISIBLE, _CONTROLS, OPTIONAL_NAME_PATTERN, TEXT_PATTERN

router = APIRouter(prefix="/api/v1/diary", tags=["diary"], responses=ERROR_RESPONSES(401))

# The message rule with the diary's length: something visible, 1-20,000 characters once
# trimmed, tab and line breaks the only control characters.
DIARY_TEXT_PATTERN = TEXT_PATTERN.replace("{0,4094}", "{0,19998}")
# A tag: something visible besides `#`; no control or bidirectional formatting characters.
TAG_PATTERN = f"^(?![\\s\\S]*[{_CONTROLS}{_BIDI}])(?=[\\s\\S]*[^{_BMP_INVISIBLE}#])"
IF_MATCH_PATTERN = r'^ *(?:W/)?(?:"[0-9]{1,10}"|[0-9]{1,10}) *$'
_IF_MATCH = re.compile(r'^ *(?:W/)?(?:"([0-9]{1,10})"|([0-9]{1,10})) *$')

Text = Annotated[
    str,
    Field(
        description="1-20,000 characters once trimmed, something visible; tab and line breaks "
        "the only control characters",
        json_schema_extra={"pattern": DIARY_TEXT_PATTERN},
    ),
]
Title = Annotated[
    str | None,
    Field(
        description="Up to 200 characters (runs of spaces become one); blank or null: no title",
        max_length=TITLE_MAX,
        json_schema_extra={"pattern": OPTIONAL_NAME_PATTERN},
    ),
]
Tag = Annotated[
    str,
    Field(max_length=TAG_MAX, json_schema_extra={"pattern": TAG_PATTERN}),
]
Tags = Annotated[
    list[Tag],
    Field(
        max_length=TAGS_MAX,
        description="Up to 20 tags of up to 32 characters; normalised (lower case, a leading # "
        "dropped, inner spaces as -), repeats dropped",
    ),
]
Rating = Annotated[
    BodyInt | None,
    Field(ge=RATING_MIN, le=RATING_MAX, description="How you rate your mood, 1-5, or null"),
]


class EntryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    title: Title = None
    self_rating: Rating = None
    tags: Tags = Field(default_factory=list)


class EntryPatch(BaseModel):
    """The fields to change (absent ones stay), and the version the client last saw (here or
    in `If-Match`)."""

    model_config = ConfigDict(extra="forbid")

    text: Text | None = None
    title: Title = None
    self_rating: Rating = None
    tags: Tags | None = None
    version: Annotated[BodyInt, Field(ge=1, le=INT32_MAX)] | None = None


def _diary(request: Request) -> DiaryApi:
    found = apis(request).diary
    if found is None:  # pragma: no cover - every client-facing role has the diary
        raise RuntimeError("the diary is not running in this process")
    return found


def _etag(response: Response, view: EntryView) -> EntryView:
    response.headers["ETag"] = f'"{view.version}"'
    return view


@router.post("/entries", status_code=201, response_model=EntryView, responses=ERROR_RESPONSES(422))
async def create_entry(
    body: EntryCreate, user: CurrentUser, request: Request, response: Response
) -> EntryView:
    """Write an entry; its mood is filled in by the analyser within seconds."""
    view = await _diary(request).write(
        user_id=user.user_id,
        text=body.text,
        title=body.title,
        self_rating=body.self_rating,
        tags=body.tags,
    )
    return _etag(response, view)


@router.get("/entries", response_model=EntryList, responses=ERROR_RESPONSES(422))
async def list_entries(
    user: CurrentUser,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before_id: Annotated[Id | None, Query(description="Entries older than this one")] = None,
) -> EntryList:
    """Your entries, newest first."""
    return await _diary(request).list_entries(
        user_id=user.user_id, limit=limit, before_id=before_id
    )


@router.get("/entries/{entry_id}", response_model=EntryView, responses=ERROR_RESPONSES(404, 422))
async def get_entry(
    entry_id: Id, user: CurrentUser, request: Request, response: Response
) -> EntryView:
    """One of your entries (404 for anyone else's)."""
    return _etag(response, await _diary(request).get(user_id=user.user_id, entry_id=entry_id))


@router.patch(
    "/entries/{entry_id}", response_model=EntryView, responses=ERROR_RESPONSES(404, 409, 422)
)
async def update_entry(
    entry_id: Id,
    body: EntryPatch,
    user: CurrentUser,
    request: Request,
    response: Response,
    if_match: Annotated[
        str | None,
        Header(
            description='The version you last saw (`3` or `"3"`); or `version` in the body',
            pattern=IF_MATCH_PATTERN,
        ),
    ] = None,
) -> EntryView:
    """Change text, title, self_rating or tags. 409 `version_conflict` when the entry changed
    since the version you send (a mood analysis arriving meanwhile is no change)."""
    seen = body.version
    if if_match is not None:
        matched = _IF_MATCH.match(if_match)
        if matched is None:
            raise Invalid('If-Match: the entry\'s version, e.g. "3"', code="invalid_version")
        header_version = int(matched[1] or matched[2])
        if seen is not None and seen != header_version:
            raise Invalid("If-Match and version disagree", code="invalid_version")
        seen = header_version
    if seen is None:
        raise Invalid(
            "the version you last saw is needed: If-Match header or version",
            code="version_required",
        )
    changes = body.model_dump(include=body.model_fields_set - {"version"})
    view = await _diary(request).revise(
        user_id=user.user_id, entry_id=entry_id, seen_version=seen, changes=changes
    )
    return _etag(response, view)


@router.delete(
    "/entries/{entry_id}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES(404, 422),
)
async def delete_entry(entry_id: Id, user: CurrentUser, request: Request) -> Response:
    """Delete one of your entries: its text becomes unrecoverable."""
    await _diary(request).delete(user_id=user.user_id, entry_id=entry_id)
    return Response(status_code=204)


@router.get("/export", response_model=DiaryExport)
async def export_diary(user: CurrentUser, request: Request) -> DiaryExport:
    """Everything of your diary: every entry with its mood and every analysis of it."""
    return await _diary(request).export(user_id=user.user_id)


@router.delete("", status_code=204, response_class=Response)
async def erase_diary(user: CurrentUser, request: Request) -> Response:
    """Erase your whole diary: every entry's text becomes unrecoverable."""
    await _diary(request).erase(user_id=user.user_id)
    return Response(status_code=204)


@router.get("/mood", response_model=MoodTimeline, responses=ERROR_RESPONSES(422))
async def mood_timeline(
    user: CurrentUser,
    request: Request,
    days: Annotated[
        int, Query(ge=1, le=365, description="How many days back, today included")
    ] = 30,
) -> MoodTimeline:
    """Your mood per day (UTC) over the last `days`, oldest first; days without analysed
    entries are left out."""
    return await _diary(request).mood_timeline(user_id=user.user_id, days=days)
