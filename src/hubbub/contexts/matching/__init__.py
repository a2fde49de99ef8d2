"""matching: mood profiles of discoverable people and recommendations of similar ones."""

from hubbub.contexts.matching.api import Match, MatchingApi, MatchList, Opener

__all__ = ["Match", "MatchList", "MatchingApi", "Opener"]
