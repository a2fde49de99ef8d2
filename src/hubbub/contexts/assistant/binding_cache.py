"""The bindings of each chat, read on every stored message, through the shared cache.

Most chats have no binding at all, so the answer that matters most is "none", and it is
cached like any other. Every bind and unbind drops the chat's entry after its commit (as the
chats context does for memberships); a reader that loaded the list just before a change can
put the old one back for at most `ttl_seconds`, and the job runner checks that a binding still
exists before acting, so a deleted binding never answers.
"""

from dataclasses import asdict
from datetime import datetime
from uuid import UUID

import orjson

from hubbub.contexts.assistant.model import Binding
from hubbub.contexts.assistant.ports import AssistantStore
from hubbub.kernel.ports import Cache


class ChatBindings:
    def __init__(self, store: AssistantStore, cache: Cache, *, ttl_seconds: float = 30.0) -> None:
        self._store = store
        self._cache = cache
        self._ttl = ttl_seconds

    async def of_chat(self, chat_id: UUID) -> list[Binding]:
        """Every binding in the chat, oldest first."""
        key = _key(chat_id)
        cached = await self._cache.get(key)
        if cached is not None:
            return [_binding(entry) for entry in orjson.loads(cached)]
        found = await self._store.bindings_in(chat_id)
        entries = orjson.dumps([asdict(b) for b in found], default=str)  # uuid6 ids too
        await self._cache.set(key, entries, ttl_seconds=self._ttl)
        return found

    async def forget(self, chat_id: UUID) -> None:
        """Drop the chat's entry (after a bind or unbind committed)."""
        await self._cache.delete(_key(chat_id))


def _key(chat_id: UUID) -> str:
    return f"assistant:bindings:{chat_id}"


def _binding(entry: dict[str, str]) -> Binding:
    return Binding(
        id=UUID(entry["id"]),
        chat_id=UUID(entry["chat_id"]),
        user_id=UUID(entry["user_id"]),
        kind="advice" if entry["kind"] == "advice" else "autoreply",
        thread_id=UUID(entry["thread_id"]),
        created_at=datetime.fromisoformat(entry["created_at"]),
    )
