"""/api/v1/chats/{id}/messages and /read: history, sending over REST, read markers."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from hubbub.apis import apis
from hubbub.contexts.auth import CurrentUser
from hubbub.contexts.messages.api import MessagePage, MessageView
from hubbub.contexts.messages.model import SEQ_MAX
from hubbub.http_errors import ERROR_RESPONSES, with_errors
from hubbub.kernel.ids import Id
from hubbub.kernel.params import BodyInt
from hubbub.kernel.text import PLAIN_PATTERN, TEXT_OR_BLANK_PATTERN, TEXT_PATTERN

router = APIRouter(prefix="/api/v1/chats", tags=["messages"], responses=ERROR_RESPONSES(401))

Emoji = Annotated[
    str,
    Path(
        description="One emoji as Unicode defines them (skin tones, ZWJ sequences, flags), "
        "URL-encoded; anything else is 422 `invalid_emoji`",
        json_schema_extra={"maxLength": 64},
    ),
]
ONE_CURSOR = "Use at most one of before_id, after_id and after_seq (422 otherwise)."


class MessageCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        default="",
        description="1–4096 characters once trimmed (it is stored trimmed), something of it "
        "visible; tab and line breaks are the only control characters allowed. May be blank "
        "when `file_ids` are given.",
        json_schema_extra={"pattern": TEXT_OR_BLANK_PATTERN},
    )
    request_id: str | None = Field(
        default=None, json_schema_extra={"minLength": 1, "maxLength": 100, "pattern": PLAIN_PATTERN}
    )
    reply_to: Id | None = Field(default=None, description="The message this one answers")
    file_ids: list[Id] = Field(
        default_factory=list, max_length=10, description="Your uploads to this chat to send"
    )


class MessageEdit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        description="The new text: 1–4096 characters once trimmed, something of it visible",
        json_schema_extra={"pattern": TEXT_PATTERN},
    )


class ReadMark(BaseModel):
    model_config = ConfigDict(extra="forbid")

    seq: BodyInt = Field(ge=0, le=SEQ_MAX)


@router.post(
    "/{chat_id}/messages",
    status_code=201,
    response_model=MessageView,
    responses=with_errors(
        {200: {"model": MessageView, "description": "A retry: the original message"}}, 403, 404, 422
    ),
)
async def post_message(
    chat_id: Id, body: MessageCreate, user: CurrentUser, request: Request, response: Response
) -> MessageView:
    """Send a message (201), or get the original back for a repeated request_id (200)."""
    result = await apis(request).messages.post(
        sender_id=user.user_id,
        chat_id=chat_id,
        text=body.text,
        request_id=body.request_id,
        reply_to=body.reply_to,
        file_ids=tuple(body.file_ids),
    )
    response.status_code = 201 if result.created else 200
    return result.message


@router.get(
    "/{chat_id}/messages", response_model=MessagePage, responses=ERROR_RESPONSES(403, 404, 422)
)
async def history(
    chat_id: Id,
    user: CurrentUser,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    before_id: Annotated[Id | None, Query(description=ONE_CURSOR)] = None,
    after_id: Annotated[Id | None, Query(description=ONE_CURSOR)] = None,
    after_seq: Annotated[int | None, Query(ge=0, le=SEQ_MAX, description=ONE_CURSOR)] = None,
) -> MessagePage:
    """A keyset page of history in ascending seq (the newest page without a cursor)."""
    return await apis(request).messages.history(
        user_id=user.user_id,
        chat_id=chat_id,
        limit=limit,
        before_id=before_id,
        after_id=after_id,
        after_seq=after_seq,
    )


@router.post(
    "/{chat_id}/read",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES(403, 404, 422),
)
async def mark_read(chat_id: Id, body: ReadMark, user: CurrentUser, request: Request) -> Response:
    """Mark everything up to `seq` as read; the other members get a `read` frame."""
    await apis(request).messages.mark_read(user_id=user.user_id, chat_id=chat_id, seq=body.seq)
    return Response(status_code=204)


@router.patch(
    "/{chat_id}/messages/{message_id}",
    response_model=MessageView,
    responses=ERROR_RESPONSES(403, 404, 409, 422),
)
async def edit_message(
    chat_id: Id, message_id: Id, body: MessageEdit, user: CurrentUser, request: Request
) -> MessageView:
    """Edit one's own message within the edit window (403 `edit_window_expired` after it,
    403 `not_your_message`, 409 `message_deleted`); members get `message_updated`."""
    return await apis(request).messages.edit(
        user_id=user.user_id, chat_id=chat_id, message_id=message_id, text=body.text
    )


@router.delete(
    "/{chat_id}/messages/{message_id}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES(403, 404, 409),
)
async def delete_message(
    chat_id: Id, message_id: Id, user: CurrentUser, request: Request
) -> Response:
    """Delete for everyone: the message stays as a tombstone with its seq, its text is gone."""
    await apis(request).messages.delete(
        user_id=user.user_id, chat_id=chat_id, message_id=message_id
    )
    return Response(status_code=204)


@router.put(
    "/{chat_id}/messages/{message_id}/reactions/{emoji}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES(403, 404, 409, 422),
)
async def add_reaction(
    chat_id: Id, message_id: Id, emoji: Emoji, user: CurrentUser, request: Request
) -> Response:
    """React with one emoji (URL-encoded); reacting twice changes nothing."""
    await apis(request).messages.react(
        user_id=user.user_id, chat_id=chat_id, message_id=message_id, emoji=emoji, on=True
    )
    return Response(status_code=204)


@router.delete(
    "/{chat_id}/messages/{message_id}/reactions/{emoji}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES(403, 404, 409, 422),
)
async def remove_reaction(
    chat_id: Id, message_id: Id, emoji: Emoji, user: CurrentUser, request: Request
) -> Response:
    """Take one's reaction back; when there is none, nothing changes."""
    await apis(request).messages.react(
        user_id=user.user_id, chat_id=chat_id, message_id=message_id, emoji=emoji, on=False
    )
    return Response(status_code=204)
