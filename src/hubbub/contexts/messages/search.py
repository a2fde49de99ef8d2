"""Message search: ranked, highlighted, keyset-paginated, over what the caller can read.

A member can scroll through a chat's whole history, so search covers every chat the caller is
a member of now. Pages are keyset: the opaque cursor holds the last hit's score and id, and
the next page starts strictly after it in (score desc, id desc) order.
"""

import base64
import binascii
from typing import Protocol
from uuid import UUID

import orjson

from hubbub.contexts.messages.api import MessageView, SearchHit, SearchPage
from hubbub.contexts.messages.ports import Membership
from hubbub.contexts.messages.search_text import highlight, query_stems
from hubbub.contexts.messages.store_reads import for_reader
from hubbub.kernel.errors import Invalid
from hubbub.kernel.text import check_characters

QUERY_MAX = 500
LIMIT_MAX = 100

Hit = tuple[UUID, float]


class SearchStore(Protocol):
    async def search(
        self,
        stems: list[str],
        *,
        chat_ids: list[UUID],
        sender_id: UUID | None,
        limit: int,
        after: Hit | None,
    ) -> list[Hit]: ...

    async def index(self, message_ids: list[UUID]) -> None: ...

    async def catch_up(self) -> int: ...


class MessageReader(Protocol):
    async def get_many(self, message_ids: list[UUID]) -> list[MessageView]: ...


class MessageSearch:
    def __init__(
        self, *, index: SearchStore, messages: MessageReader, membership: Membership
    ) -> None:
        self._index = index
        self._messages = messages
        self._membership = membership

    async def search(
        self,
        *,
        user_id: UUID,
        query: str,
        chat_id: UUID | None,
        sender_id: UUID | None,
        limit: int,
        before: str | None,
    ) -> SearchPage:
        """One page of hits for `query`, best first."""
        check_characters(query, field="q", code="invalid_query")
        if not 1 <= len(query.strip()) <= QUERY_MAX:
            raise Invalid(f"q: 1–{QUERY_MAX} characters", code="invalid_query")
        if not 1 <= limit <= LIMIT_MAX:
            raise Invalid(f"limit: 1–{LIMIT_MAX}")
        stems = query_stems(query)
        if not stems:
            raise Invalid(
                "q: only stop words or punctuation; nothing to search for", code="empty_query"
            )
        after = decode_cursor(before) if before else None
        if chat_id is not None:
            await self._membership.check_member(chat_id=chat_id, user_id=user_id)
            chat_ids = [chat_id]
        else:
            chat_ids = await self._membership.chat_ids_of(user_id=user_id)
        hits = await self._index.search(
            stems, chat_ids=chat_ids, sender_id=sender_id, limit=limit + 1, after=after
        )
        page, more = hits[:limit], len(hits) > limit
        found = {m.id: m for m in await self._messages.get_many([mid for mid, _ in page])}
        results = []
        for message_id, _ in page:
            message = found.get(message_id)
            if message is None or message.deleted:  # deleted since the query: not shown
                continue
            marked = highlight(message.text, stems)
            results.append(SearchHit(message=for_reader(message, user_id), highlight=marked.html))
        return SearchPage(results=results, next=encode_cursor(page[-1]) if more else None)


def encode_cursor(hit: Hit) -> str:
    raw = orjson.dumps({"s": hit[1], "id": str(hit[0])})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Hit:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return UUID(data["id"]), float(data["s"])
    except (binascii.Error, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise Invalid("before: not a cursor this search returned", code="invalid_cursor") from exc
