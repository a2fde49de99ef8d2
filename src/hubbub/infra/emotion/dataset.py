"""The labelled mood data (`data/mood/*.jsonl` in the source tree): reading it and its hash.

The data lives outside the package (it is not needed at run time); the training script, the
evaluation and the test that the shipped weights are current read it from a checkout.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from hubbub.kernel.mood import EMOTIONS

LANGUAGES = ("en", "ru")

Split = Literal["train", "test"]


@dataclass(frozen=True)
class Row:
    """One labelled diary entry."""

    id: str
    language: str
    text: str
    emotion: str
    valence: float
    split: Split


def data_files(directory: Path) -> list[Path]:
    """The data files, one per language, in a fixed order."""
    return [directory / f"{language}.jsonl" for language in LANGUAGES]


def data_sha256(directory: Path) -> str:
    """SHA-256 of the data files' names and bytes: what the shipped weights record."""
    digest = hashlib.sha256()
    for path in data_files(directory):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def load_rows(directory: Path, *, split: Split) -> list[Row]:
    """The rows of one split, in file order; malformed rows fail with their id."""
    rows: list[Row] = []
    for path in data_files(directory):
        language = path.stem
        with path.open(encoding="utf-8") as lines:
            rows.extend(_parse(language, lines))
    return [row for row in rows if row.split == split]


def _parse(language: str, lines: Iterable[str]) -> Iterable[Row]:
    for number, line in enumerate(lines, 1):
        raw = json.loads(line)
        where = f"{language}.jsonl line {number} ({raw.get('id')})"
        if raw["emotion"] not in EMOTIONS:
            raise ValueError(f"{where}: unknown emotion {raw['emotion']!r}")
        if not -1.0 <= raw["valence"] <= 1.0:
            raise ValueError(f"{where}: valence out of -1..1")
        if raw["split"] not in ("train", "test"):
            raise ValueError(f"{where}: split must be train or test")
        if not raw["id"].startswith(f"{language}-") or not raw["text"].strip():
            raise ValueError(f"{where}: bad id or empty text")
        yield Row(
            id=raw["id"],
            language=language,
            text=raw["text"],
            emotion=raw["emotion"],
            valence=float(raw["valence"]),
            split=raw["split"],
        )
