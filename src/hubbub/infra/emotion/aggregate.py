"""From the readings of an entry's chunks to the reading of the entry: pure numpy, no model.

Each chunk weighs its length times the head's confidence in it (its top probability), so a
long, clearly worded passage counts more than a short or hesitant one. The entry's emotion
distribution and its valence are the weighted means; its label is the leading emotion, or
`uncertain` when the two leading emotions are closer than the head's margin (chosen on the
training split, see `scripts/train_mood.py`).
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hubbub.kernel.mood import EMOTIONS, UNCERTAIN

Floats = NDArray[np.float64]


@dataclass(frozen=True)
class Aggregate:
    """An entry's emotion distribution (in `EMOTIONS` order), valence and label."""

    probabilities: Floats
    valence: float
    label: str


def aggregate(
    probabilities: Floats, valences: Floats, lengths: Sequence[int], *, margin: float
) -> Aggregate:
    """Combine per-chunk `probabilities` (n × 6, rows summing to 1) and `valences` (n) of
    chunks `lengths` characters long."""
    if len(lengths) == 0 or probabilities.shape != (len(lengths), len(EMOTIONS)):
        raise ValueError("one row of probabilities and one valence per chunk")
    weights = np.asarray(lengths, dtype=np.float64) * probabilities.max(axis=1)
    weights /= weights.sum()
    mixed = weights @ probabilities
    mixed /= mixed.sum()  # rounding; keeps the contract's "summing to 1"
    valence = float(np.clip(weights @ valences, -1.0, 1.0))
    return Aggregate(mixed, valence, label_of(mixed, margin=margin))


def label_of(probabilities: Floats, *, margin: float) -> str:
    """The leading emotion, or `UNCERTAIN` when the runner-up is within `margin` of it."""
    second, first = np.argsort(probabilities)[-2:]
    if probabilities[first] - probabilities[second] < margin:
        return UNCERTAIN
    return EMOTIONS[int(first)]
