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


class MatchingApi(Protocol):
    async def matches(self, *, user_id: UUID, limit: int) -> MatchList:
        """Up to `limit` (1..50) discoverable people whose mood profile is closest to the
        caller's, best first; never the caller. Invalid for a limit out of range."""
        ...
