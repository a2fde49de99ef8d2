"""mood: the background analyser of diary entries (the `mood` role)."""

from hubbub.contexts.mood.service import DIARY_MOOD_FRAME, MoodAnalyser

__all__ = ["DIARY_MOOD_FRAME", "MoodAnalyser"]
