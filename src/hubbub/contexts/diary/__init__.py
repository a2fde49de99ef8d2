"""diary: the event-sourced mood diary (entries, moods, the per-day timeline)."""

from hubbub.contexts.diary.api import (
    DiaryApi,
    DiaryExport,
    EntryList,
    EntryText,
    EntryView,
    MoodDay,
    MoodTimeline,
    MoodView,
)
from hubbub.contexts.diary.events import DiaryErased, EntryDeleted, EntryWritten, MoodAnalysed

__all__ = [
    "DiaryApi",
    "DiaryErased",
    "DiaryExport",
    "EntryDeleted",
    "EntryList",
    "EntryText",
    "EntryView",
    "EntryWritten",
    "MoodAnalysed",
    "MoodDay",
    "MoodTimeline",
    "MoodView",
]
