"""The mood role's metrics (the dashboard's "Mood analyses" panels). A module of their own,
imported only where the mood analyser is built, so a process without it declares none."""

from prometheus_client import Counter, Histogram

MOOD_ANALYSES = Counter(
    "hubbub_mood_analyses_total",
    "Diary entries analysed by the mood role, by outcome (recorded, stale, gone, already, error)",
    ["outcome"],
)
MOOD_ANALYSIS_SECONDS = Histogram(
    "hubbub_mood_analysis_seconds",
    "Time the mood model took to read one diary entry",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
