"""The matching port: people whose recent mood is like the caller's."""

from typing import Protocol
from uuid import UUID

from pydantic import BaseModel, Field

from hubbub.contexts.users import UserView

LIMIT_MAX = 50


class Match(BaseModel):
    """A discoverable person with a similar mood profile; nothing of their diary but the
    emotions both share."""

    user: UserView
    score: float = Field(ge=0, le=1, description="Similarity of the two mood profiles, 0..1")
    shared: list[str] = Field(
        description="The emotions both have notably over the last 30 days, most shared first"
    )


class MatchList(BaseModel):
    matches: list[Match]
    reason: str | None = Field(
        default=None, description="Why the list is empty when the caller has too little data"
    )


class Opener(BaseModel):
    """A first line the assistant offers for a chat with a match."""

    text: str
    language: str = Field(description='"en" or "ru"')
    shared: list[str] = Field(description="The emotions the line is about (as the match shows)")


class MatchingApi(Protocol):
    async def matches(self, *, user_id: UUID, limit: int) -> MatchList:
        """Up to `limit` (1..50) discoverable people whose mood profile is closest to the
        caller's, best first; never the caller. Invalid for a limit out of range."""
        ...

    async def opener(self, *, user_id: UUID, other_id: UUID, language: str | None) -> Opener:
        """A first line for the caller to send `other_id`, about the emotions they share, in
        `language` (a BCP 47 tag; English when not offered). NotFound unless `other_id` is a
        discoverable person with a mood profile (someone the caller could be matched with)."""
        ...
