"""LocalAssistantApi: bindings, on-demand advice and the advice history, in this process.

The assistant's work itself happens on the bus (consumers.py), never inside a request.
"""

from dataclasses import replace
from uuid import UUID

from hubbub.contexts.assistant import model
from hubbub.contexts.assistant.api import (
    AdviceList,
    AdviceView,
    AssistantSettings,
    AssistantSettingsPatch,
    BindingView,
)
from hubbub.contexts.assistant.binding_cache import ChatBindings
from hubbub.contexts.assistant.model import Advice, Binding
from hubbub.contexts.assistant.ports import AssistantStore
from hubbub.contexts.assistant.voice import Voice
from hubbub.contexts.chats import ChatsApi
from hubbub.kernel.clock import Clock
from hubbub.kernel.errors import Conflict, Invalid, NotFound
from hubbub.kernel.ids import new_id

ADVICE_PAGE_MAX = 100


class LocalAssistantApi:
    def __init__(
        self, *, store: AssistantStore, bindings: ChatBindings, chats: ChatsApi, clock: Clock
    ) -> None:
        self._store = store
        self._bindings = bindings
        self._chats = chats
        self._clock = clock

    async def bind(self, *, user_id: UUID, chat_id: UUID, kind: str) -> BindingView:
        """A new binding with a new thread; Conflict when the member already has this kind."""
        checked = model.check_kind(kind)
        await self._chats.check_member(chat_id=chat_id, user_id=user_id)
        binding = Binding(new_id(), chat_id, user_id, checked, new_id(), self._clock.now())
        if not await self._store.add_binding(binding):
            raise Conflict(
                f"you already have an {checked} binding in this chat", code="binding_exists"
            )
        await self._bindings.forget(chat_id)
        return _binding_view(binding)

    async def bindings(self, *, user_id: UUID, chat_id: UUID) -> list[BindingView]:
        """The caller's bindings in the chat."""
        await self._chats.check_member(chat_id=chat_id, user_id=user_id)
        return [_binding_view(b) for b in await self._store.bindings_in(chat_id, user_id)]

    async def unbind(self, *, user_id: UUID, chat_id: UUID, binding_id: UUID) -> None:
        """Delete the binding; its queued jobs are cancelled with it."""
        await self._chats.check_member(chat_id=chat_id, user_id=user_id)
        found = await self._store.get_binding(binding_id)
        if found is None or found.chat_id != chat_id or found.user_id != user_id:
            raise NotFound("no such binding of yours in this chat", code="binding_not_found")
        await self._store.delete_binding(binding_id, self._clock.now())
        await self._bindings.forget(chat_id)

    async def request_advice(self, *, user_id: UUID, chat_id: UUID) -> UUID:
        """Queue advice on the conversation as it stands; returns the job id."""
        await self._chats.check_member(chat_id=chat_id, user_id=user_id)
        mine = await self._store.bindings_in(chat_id, user_id)
        binding = next((b for b in mine if b.kind == "advice"), None)
        if binding is None:
            raise Conflict(
                "bind the assistant for advice in this chat first", code="no_advice_binding"
            )
        job = binding.job(None, self._clock.now())
        await self._store.enqueue([job])
        return job.id

    async def advice(
        self, *, user_id: UUID, chat_id: UUID, limit: int, before_id: UUID | None = None
    ) -> AdviceList:
        """The caller's newest advice in the chat, oldest first."""
        if not 1 <= limit <= ADVICE_PAGE_MAX:
            raise Invalid(f"limit: 1–{ADVICE_PAGE_MAX}", code="validation_error")
        await self._chats.check_member(chat_id=chat_id, user_id=user_id)
        rows = await self._store.advice_of(chat_id, user_id, limit=limit + 1, before_id=before_id)
        page = [_advice_view(a) for a in reversed(rows[:limit])]
        return AdviceList(advice=page, has_previous=len(rows) > limit)

    async def settings(self, *, user_id: UUID) -> AssistantSettings:
        """The member's settings, the defaults until changed."""
        return _settings_view(await self._store.voice_of(user_id) or Voice())

    async def update_settings(
        self, *, user_id: UUID, patch: AssistantSettingsPatch
    ) -> AssistantSettings:
        """Change the fields given; the rest keep their values."""
        current = await self._store.voice_of(user_id) or Voice()
        changes = patch.model_dump(exclude_none=True)
        voice = replace(current, **changes)
        if changes:
            await self._store.save_voice(user_id, voice, self._clock.now())
        return _settings_view(voice)


def _settings_view(voice: Voice) -> AssistantSettings:
    return AssistantSettings(
        gender=voice.gender, address=voice.address, learn_style=voice.learn_style
    )


def _binding_view(binding: Binding) -> BindingView:
    return BindingView(
        id=binding.id,
        chat_id=binding.chat_id,
        user_id=binding.user_id,
        type=binding.kind,
        thread_id=binding.thread_id,
        created_at=binding.created_at,
    )


def _advice_view(item: Advice) -> AdviceView:
    return AdviceView.model_validate(item, from_attributes=True)
