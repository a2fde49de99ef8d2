"""/api/v1/chats/{id}/ai-bindings and /advice: binding the assistant, asking it, its advice."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from hubbub.apis import apis
from hubbub.contexts.assistant.api import (
    AdviceList,
    AssistantSettings,
    AssistantSettingsPatch,
    BindingType,
    BindingView,
)
from hubbub.contexts.auth import CurrentUser
from hubbub.http_errors import ERROR_RESPONSES
from hubbub.kernel.ids import Id

router = APIRouter(prefix="/api/v1/chats", tags=["assistant"], responses=ERROR_RESPONSES(401))
settings_router = APIRouter(
    prefix="/api/v1/assistant", tags=["assistant"], responses=ERROR_RESPONSES(401)
)


class BindingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: BindingType


class BindingList(BaseModel):
    bindings: list[BindingView]


class AdviceQueued(BaseModel):
    job_id: UUID


@router.post(
    "/{chat_id}/ai-bindings",
    status_code=201,
    response_model=BindingView,
    responses=ERROR_RESPONSES(403, 404, 409, 422),
)
async def bind(
    chat_id: Id, body: BindingCreate, user: CurrentUser, request: Request
) -> BindingView:
    """Bind the assistant to your side of the chat: `advice` (private suggestions) or
    `autoreply` (answers in your name, marked `ai_generated`)."""
    return await apis(request).assistant.bind(user_id=user.user_id, chat_id=chat_id, kind=body.type)


@router.get(
    "/{chat_id}/ai-bindings", response_model=BindingList, responses=ERROR_RESPONSES(403, 404, 422)
)
async def list_bindings(chat_id: Id, user: CurrentUser, request: Request) -> BindingList:
    """Your bindings in the chat."""
    found = await apis(request).assistant.bindings(user_id=user.user_id, chat_id=chat_id)
    return BindingList(bindings=found)


@router.delete(
    "/{chat_id}/ai-bindings/{binding_id}",
    status_code=204,
    response_class=Response,
    responses=ERROR_RESPONSES(403, 404, 422),
)
async def unbind(chat_id: Id, binding_id: Id, user: CurrentUser, request: Request) -> Response:
    """Delete one of your bindings; its pending work is cancelled."""
    await apis(request).assistant.unbind(
        user_id=user.user_id, chat_id=chat_id, binding_id=binding_id
    )
    return Response(status_code=204)


@router.post(
    "/{chat_id}/advice",
    status_code=202,
    response_model=AdviceQueued,
    responses=ERROR_RESPONSES(403, 404, 409, 422),
)
async def request_advice(chat_id: Id, user: CurrentUser, request: Request) -> AdviceQueued:
    """Ask for advice on the conversation now; it arrives as an `ai_advice` frame (needs an
    advice binding)."""
    job_id = await apis(request).assistant.request_advice(user_id=user.user_id, chat_id=chat_id)
    return AdviceQueued(job_id=job_id)


@router.get(
    "/{chat_id}/advice", response_model=AdviceList, responses=ERROR_RESPONSES(403, 404, 422)
)
async def list_advice(
    chat_id: Id,
    user: CurrentUser,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    before_id: Id | None = None,
) -> AdviceList:
    """Your advice in the chat: the newest `limit` (older than `before_id`), oldest first."""
    return await apis(request).assistant.advice(
        user_id=user.user_id, chat_id=chat_id, limit=limit, before_id=before_id
    )


@settings_router.get("/settings", response_model=AssistantSettings)
async def get_settings(user: CurrentUser, request: Request) -> AssistantSettings:
    """Your assistant settings: how replies written in your name sound."""
    return await apis(request).assistant.settings(user_id=user.user_id)


@settings_router.patch(
    "/settings", response_model=AssistantSettings, responses=ERROR_RESPONSES(422)
)
async def update_settings(
    body: AssistantSettingsPatch, user: CurrentUser, request: Request
) -> AssistantSettings:
    """Change some of your assistant settings (only the fields given); returns them all."""
    return await apis(request).assistant.update_settings(user_id=user.user_id, patch=body)
