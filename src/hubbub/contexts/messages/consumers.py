"""Bus handlers of the messages context: a deleted account's read cursors, and the search
indexer.

New messages reach the index from the bus (`chat.message.persisted`, group `search`), off the
send path: a send never waits for the index. Handlers running at once share one transaction
(group commit), so under load the indexer writes in batches. Indexing reads the message as it
is now, so a redelivered or late event is harmless. Edits and deletes change the index in
their own transaction (store_changes.py), not here.
"""

import asyncio
import contextlib
from uuid import UUID

import orjson
import structlog

from hubbub.contexts.auth.events import UserDeleted
from hubbub.contexts.messages.events import MessagePosted
from hubbub.contexts.messages.search import SearchStore
from hubbub.contexts.messages.service import LocalMessagesApi
from hubbub.kernel.batching import GroupCommitter
from hubbub.kernel.ports import Bus

GROUP = "messages"
SEARCH_GROUP = "search"
LINGER_SECONDS = 0.1

log = structlog.get_logger(__name__)


class MessagesConsumers:
    def __init__(self, messages: LocalMessagesApi) -> None:
        self._messages = messages

    def subscribe(self, bus: Bus) -> None:
        bus.subscribe(UserDeleted.topic, GROUP, self.on_user_deleted)

    async def on_user_deleted(self, _key: str, payload: bytes) -> None:
        """Erase the read cursors of a deleted account."""
        await self._messages.forget_reader(user_id=UUID(orjson.loads(payload)["user_id"]))


class SearchIndexer:
    def __init__(self, index: SearchStore) -> None:
        self._index = index
        # Batches of up to 0.1 s: at hundreds of messages a second the index costs a few
        # transactions a second instead of one per message, leaving the writer to the sends.
        self._writer: GroupCommitter[UUID, None] = GroupCommitter(
            self._flush, max_batch=1000, linger_seconds=LINGER_SECONDS
        )
        self._catch_up: asyncio.Task[None] | None = None

    def subscribe(self, bus: Bus) -> None:
        """Register the handler (before the bus starts)."""
        bus.subscribe(MessagePosted.topic, SEARCH_GROUP, self.on_message_posted)

    async def on_message_posted(self, _key: str, payload: bytes) -> None:
        """Index the stored message; returns once it is committed (then the bus acks)."""
        await self._writer.submit(UUID(orjson.loads(payload)["message_id"]))

    async def _flush(self, message_ids: list[UUID]) -> list[None]:
        await self._index.index(sorted(set(message_ids)))
        return [None] * len(message_ids)

    def start(self) -> None:
        """Catch up in the background (see `SqlSearchStore.catch_up`): the server does not
        wait for a backfill."""
        self._catch_up = asyncio.get_running_loop().create_task(self._run_catch_up())

    async def _run_catch_up(self) -> None:
        try:
            indexed = await self._index.catch_up()
            log.info("search_catch_up_done", indexed=indexed)
        except Exception:
            log.exception("search_catch_up_failed")

    async def close(self) -> None:
        if self._catch_up is not None:
            self._catch_up.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._catch_up
        await self._writer.close()
