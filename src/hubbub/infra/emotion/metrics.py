"""The figures the mood model is judged by, shared by training (cross-validation) and the
held-out evaluation (`bench/mood_eval/evaluate.py`).

Polarity: an entry whose gold valence is at least `POLAR` away from 0 is positive or
negative, and the model is right when its valence has the same sign (a valence of exactly 0
is wrong). Entries with a gold valence closer to 0 than that (neutral logs, merely strange
surprises, truly mixed days) have no polarity to get right and are left out of this figure;
they are counted in the three-way figure, where a valence within `POLAR` of 0 means neutral,
for the gold and the model alike.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from hubbub.kernel.mood import EMOTIONS, UNCERTAIN

POLAR = 0.2
"""Gold valences at least this far from 0 have a polarity."""

LABELS = (*EMOTIONS, UNCERTAIN)
"""Predicted labels, in the order of the confusion matrix's columns."""


@dataclass(frozen=True)
class Scores:
    """What one set of predictions scored against the gold labels."""

    rows: int
    polarity: float
    """Share of polar rows (|gold valence| ≥ `POLAR`) whose predicted valence has their sign."""
    polar_rows: int
    polarity_3way: float
    """Share of all rows whose negative / neutral / positive band matches the gold one."""
    macro_f1: float
    """Mean F1 over the six emotions; an `uncertain` answer counts as a miss."""
    accuracy: float
    """Share of rows whose label is the gold emotion (`uncertain` is wrong)."""
    answered_accuracy: float
    """The same among rows not labelled `uncertain`."""
    uncertain: float
    """Share of rows labelled `uncertain`."""
    confusion: NDArray[np.int64]
    """Gold emotion (rows, `EMOTIONS` order) × predicted label (columns, `LABELS` order)."""


def score(
    gold_emotions: Sequence[str],
    gold_valences: Sequence[float],
    labels: Sequence[str],
    valences: Sequence[float],
) -> Scores:
    """Score predicted `labels` and `valences` against the gold ones."""
    gold_v = np.asarray(gold_valences, dtype=np.float64)
    pred_v = np.asarray(valences, dtype=np.float64)
    gold = np.array([EMOTIONS.index(e) for e in gold_emotions])
    predicted = np.array([LABELS.index(label) for label in labels])
    confusion = np.zeros((len(EMOTIONS), len(LABELS)), dtype=np.int64)
    np.add.at(confusion, (gold, predicted), 1)
    polar = np.abs(gold_v) >= POLAR
    answered = predicted != LABELS.index(UNCERTAIN)
    right = predicted == gold
    return Scores(
        rows=len(gold),
        polarity=float(np.mean(np.sign(pred_v[polar]) == np.sign(gold_v[polar]))),
        polar_rows=int(polar.sum()),
        polarity_3way=float(np.mean(_band(pred_v) == _band(gold_v))),
        macro_f1=_macro_f1(confusion),
        accuracy=float(right.mean()),
        answered_accuracy=float(right[answered].mean()) if answered.any() else 0.0,
        uncertain=float(1 - answered.mean()),
        confusion=confusion,
    )


def _band(valences: NDArray[np.float64]) -> NDArray[np.int64]:
    bands: NDArray[np.int64] = np.where(
        valences >= POLAR, 1, np.where(valences <= -POLAR, -1, 0)
    ).astype(np.int64)
    return bands


def _macro_f1(confusion: NDArray[np.int64]) -> float:
    scores = []
    for k in range(len(EMOTIONS)):
        true_positive = confusion[k, k]
        false_positive = confusion[:, k].sum() - true_positive
        false_negative = confusion[k].sum() - true_positive  # uncertain included: a miss
        denominator = 2 * true_positive + false_positive + false_negative
        scores.append(2 * true_positive / denominator if denominator else 0.0)
    return float(np.mean(scores))


def format_confusion(confusion: NDArray[np.int64]) -> str:
    """The confusion matrix as a Markdown table (gold down, predicted across)."""
    lines = [
        "| gold \\ predicted | " + " | ".join(LABELS) + " |",
        "|---|" + "---:|" * len(LABELS),
    ]
    for k, emotion in enumerate(EMOTIONS):
        cells = " | ".join(str(n) for n in confusion[k])
        lines.append(f"| **{emotion}** | {cells} |")
    return "\n".join(lines)
