"""matching: mood profiles of discoverable people and recommendations of similar ones."""

from hubbub.contexts.matching.api import Match, MatchingApi, MatchList

__all__ = ["Match", "MatchList", "MatchingApi"]
