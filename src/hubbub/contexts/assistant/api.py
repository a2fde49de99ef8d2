"""The assistant port: AI bindings, on-demand advice and the advice history of a member."""

from typing import Literal, Protocol
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from hubbub.kernel.clock import Timestamp

BindingType = Literal["advice", "autoreply"]
AdviceKind = Literal["advice", "notice", "warning"]
Gender = Literal["neutral", "feminine", "masculine"]
Address = Literal["auto", "informal", "formal"]


class AssistantSettings(BaseModel):
    """How replies written in the member's name sound."""

    gender: Gender = Field(
        default="neutral",
        description="grammatical gender of the member's own words in Russian replies "
        "(понял / поняла); neutral wording by default",
    )
    address: Address = Field(
        default="auto",
        description="how replies address people: informal (ты), formal (вы), or auto "
        "(formal when the other person writes «вы»)",
    )
    learn_style: bool = Field(
        default=True,
        description="autoreplies use the greeting and sign-off the member habitually "
        "uses in that chat",
    )


class AssistantSettingsPatch(BaseModel):
    """A partial update of the settings: only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    gender: Gender | None = None
    address: Address | None = None
    learn_style: StrictBool | None = None


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
    kind: AdviceKind = Field(
        default="advice",
        description="advice; notice (what an autoreply sent in your name, or why it sent "
        "nothing); warning (a likely scam, or someone who may be in crisis)",
    )


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

    async def settings(self, *, user_id: UUID) -> AssistantSettings:
        """The caller's assistant settings (the defaults until changed)."""
        ...

    async def update_settings(
        self, *, user_id: UUID, patch: AssistantSettingsPatch
    ) -> AssistantSettings:
        """Change some of the caller's settings; returns them all."""
        ...
