"""Bus handlers of the messages context: the search indexer.

New messages reach the index from the bus (`chat.message.persisted`, group `search`), off the
send path: a send never waits for the index. Handlers running at once share one transaction
(group commit), so under load the indexer writes in batches. Indexing reads the message as it
is now, so a redelivered or late event is harmless. Edits and deletes change the index in
their own transaction (store_changes.py), not here.
"""

from uuid import UUID

import orjson

from hubbub.contexts.messages.events import MessagePosted
from hubbub.contexts.messages.search import SearchStore
from hubbub.kernel.batching import GroupCommitter
from hubbub.kernel.ports import Bus

GROUP = "search"


class SearchIndexer:
    def __init__(self, index: SearchStore) -> None:
        self._index = index
        self._writer: GroupCommitter[UUID, None] = GroupCommitter(self._flush)

    def subscribe(self, bus: Bus) -> None:
        """Register the handler (before the bus starts)."""
        bus.subscribe(MessagePosted.topic, GROUP, self.on_message_posted)

    async def on_message_posted(self, _key: str, payload: bytes) -> None:
        """Index the stored message; returns once it is committed (then the bus acks)."""
        await self._writer.submit(UUID(orjson.loads(payload)["message_id"]))

    async def _flush(self, message_ids: list[UUID]) -> list[None]:
        await self._index.index(sorted(set(message_ids)))
        return [None] * len(message_ids)

    async def close(self) -> None:
        await self._writer.close()
