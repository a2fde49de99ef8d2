"""Assembly of the assistant context: its API (every client-facing process) and its bus
workers (the processes that run the assistant)."""

from hubbub.contexts.assistant.binding_cache import ChatBindings
from hubbub.contexts.assistant.consumers import AssistantAccountConsumers, AssistantConsumers
from hubbub.contexts.assistant.guard import Guard
from hubbub.contexts.assistant.local_model import LocalModel
from hubbub.contexts.assistant.local_provider import SmartReplyProvider
from hubbub.contexts.assistant.openai_provider import OpenAIProvider
from hubbub.contexts.assistant.ports import Provider
from hubbub.contexts.assistant.runner import JobRunner
from hubbub.contexts.assistant.service import LocalAssistantApi
from hubbub.contexts.assistant.store import SqlAssistantStore
from hubbub.contexts.chats import ChatsApi
from hubbub.contexts.messages import MessagesApi
from hubbub.contexts.users import UsersApi
from hubbub.infra.db import Database
from hubbub.kernel.clock import Clock
from hubbub.kernel.ports import Cache, LiveEvents, RateLimit


def local_assistant(
    *, db: Database, chats: ChatsApi, cache: Cache, clock: Clock
) -> LocalAssistantApi:
    """Bindings and advice on `db`."""
    store = SqlAssistantStore(db)
    return LocalAssistantApi(
        store=store, bindings=ChatBindings(store, cache), chats=chats, clock=clock
    )


def assistant_account_consumers(*, db: Database, cache: Cache) -> AssistantAccountConsumers:
    """The handler erasing a deleted account's assistant data."""
    store = SqlAssistantStore(db)
    return AssistantAccountConsumers(store=store, bindings=ChatBindings(store, cache))


def assistant_workers(
    *,
    db: Database,
    provider: Provider,
    model: LocalModel,
    chats: ChatsApi,
    messages: MessagesApi,
    users: UsersApi,
    live: LiveEvents,
    cache: Cache,
    budgets: tuple[RateLimit, ...],
    clock: Clock,
) -> AssistantConsumers:
    """The bus handlers that turn messages into jobs and jobs into advice and replies."""
    store = SqlAssistantStore(db)
    runner = JobRunner(
        store=store,
        provider=provider,
        messages=messages,
        users=users,
        live=live,
        budgets=budgets,
        clock=clock,
        guard=Guard(model),
    )
    return AssistantConsumers(
        store=store, bindings=ChatBindings(store, cache), chats=chats, runner=runner, clock=clock
    )


def provider_from(
    name: str,
    *,
    local: LocalModel,
    base_url: str | None,
    model: str | None,
    api_key: str | None,
    timeout_seconds: float,
) -> Provider:
    """The model behind the assistant: `local` (offline Smart Reply) or `openai`. The local
    model is loaded either way: the guard's rules run on it before any model call."""
    if name == "local":
        return SmartReplyProvider(local)
    if name == "openai":
        if not base_url or not model:
            raise ValueError(
                "HUBBUB_AI_PROVIDER=openai needs HUBBUB_AI_BASE_URL and HUBBUB_AI_MODEL"
            )
        return OpenAIProvider(
            base_url=base_url, model=model, api_key=api_key, timeout_seconds=timeout_seconds
        )
    raise ValueError(f"unknown HUBBUB_AI_PROVIDER {name!r} (known: local, openai)")
