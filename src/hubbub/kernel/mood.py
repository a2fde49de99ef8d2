"""The vocabulary of mood: the six emotions of the contract, one reading of a text, and the
`MoodModel` port that produces readings (the diary's analyser; the assistant may read tone
with it too). The model itself is an adapter in `hubbub.infra`."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

EMOTIONS = ("joy", "sadness", "anger", "fear", "surprise", "neutral")
"""The emotions of the contract, in the order vectors and reports use."""

UNCERTAIN = "uncertain"
"""The label of a reading whose leading emotions are too close to call."""


@dataclass(frozen=True)
class MoodReading:
    """What a model read in one text (a whole diary entry, aggregated over its sentences)."""

    valence: float
    """From -1 (very negative) to 1 (very positive)."""
    emotions: Mapping[str, float]
    """Every name of `EMOTIONS`, each 0..1, summing to 1."""
    label: str
    """The dominant emotion, or `UNCERTAIN` when the scores are too close to call."""
    model: str
    """The model and its version, recorded with the result (reanalysis appends new ones)."""


class MoodModel(Protocol):
    """Reads the mood of a text. Calls are blocking CPU work: run them off the event loop."""

    @property
    def name(self) -> str:
        """The model and its version (as recorded in `MoodReading.model`)."""
        ...

    def analyse(self, text: str) -> MoodReading:
        """The mood of `text` (long texts are read sentence by sentence and aggregated)."""
        ...

    def warm(self) -> None:
        """Load the model now (at start-up), so that the first real call is fast."""
        ...
