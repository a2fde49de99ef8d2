"""The assistant port: AI bindings, on-demand advice and the advice history of a member."""

from typing import Literal, Protocol
from uuid import UUID

from pydantic import BaseModel, Field

from hubbub.kernel.clock import Timestamp

BindingType = Literal["advice", "autoreply"]


class BindingView(BaseModel):
    id: UUID
    chat_id: UUID
    user_id: UUID
    type: BindingType
    thread_id: UUID = Field(description="The assistant's conversation memory for this binding")
    created_at: Timestamp


class AdviceView(BaseModel):
    id: UUID
    chat_id: UUID
    thread_id: UUID
    text: str = Field(description="The advice, with briefly why")
    suggested_reply: str | None = Field(
        default=None, description="A reply the member could send, when one fits"
    )
    in_reply_to: UUID | None = Field(description="The message the advice is about")
    created_at: Timestamp


class AdviceList(BaseModel):
    """A keyset page, oldest first (like messages); `has_previous` = older advice exists."""

    advice: list[AdviceView]
    has_previous: bool


class AssistantApi(Protocol):
    async def bind(self, *, user_id: UUID, chat_id: UUID, kind: str) -> BindingView:
        """Bind the assistant to the member's side of a chat (one per chat, user and type)."""
        ...

    async def bindings(self, *, user_id: UUID, chat_id: UUID) -> list[BindingView]:
        """The caller's bindings in a chat."""
        ...

    async def unbind(self, *, user_id: UUID, chat_id: UUID, binding_id: UUID) -> None:
        """Delete one of the caller's bindings; its pending work is cancelled."""
        ...

    async def request_advice(self, *, user_id: UUID, chat_id: UUID) -> UUID:
        """Queue advice on the conversation as it stands (needs an advice binding); returns
        the job's id."""
        ...

    async def advice(
        self, *, user_id: UUID, chat_id: UUID, limit: int, before_id: UUID | None = None
    ) -> AdviceList:
        """The caller's newest advice in a chat (older than `before_id` if given), oldest
        first."""
        ...
