"""Assembly of the matching context."""

from hubbub.contexts.matching.consumers import MatchingConsumers
from hubbub.contexts.matching.ports import MoodTimeline
from hubbub.contexts.matching.service import LocalMatchingApi
from hubbub.contexts.users import UsersApi
from hubbub.kernel.clock import Clock


def local_matching(
    *, timeline: MoodTimeline, users: UsersApi, clock: Clock, refresh_seconds: float
) -> LocalMatchingApi:
    """Matching in this process, over the diary's mood timeline."""
    return LocalMatchingApi(
        timeline=timeline, users=users, clock=clock, refresh_seconds=refresh_seconds
    )


def matching_consumers(matching: LocalMatchingApi) -> MatchingConsumers:
    """The handlers keeping the profile index in step with the diary."""
    return MatchingConsumers(matching)
