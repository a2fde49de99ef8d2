"""The mood model's figures: polarity (and how neutral counts), macro-F1, uncertain."""

import pytest

from hubbub.infra.emotion.metrics import format_confusion, score
from hubbub.kernel.mood import UNCERTAIN


def test_polarity_counts_only_entries_with_a_clear_gold_valence() -> None:
    scores = score(
        ["joy", "sadness", "neutral", "surprise", "anger"],
        [0.6, -0.4, 0.0, 0.1, -0.5],
        ["joy", "joy", "neutral", "surprise", "anger"],
        [0.5, 0.2, -0.3, 0.0, 0.0],  # the anger entry's valence of exactly 0 is wrong
    )

    assert scores.polar_rows == 3
    assert scores.polarity == pytest.approx(1 / 3)
    # three-way: joy +/+, sadness -/+ (0.2 is positive), neutral 0/-, surprise 0/0, anger -/0
    assert scores.polarity_3way == pytest.approx(2 / 5)


def test_uncertain_is_a_miss_for_f1_and_accuracy_and_is_counted() -> None:
    scores = score(
        ["joy", "joy", "sadness", "sadness"],
        [0.5, 0.5, -0.5, -0.5],
        ["joy", UNCERTAIN, "sadness", "joy"],
        [0.5, 0.1, -0.5, 0.3],
    )

    assert scores.accuracy == pytest.approx(0.5)
    assert scores.answered_accuracy == pytest.approx(2 / 3)
    assert scores.uncertain == pytest.approx(0.25)
    # joy: tp 1, fp 1, fn 1 -> 0.5; sadness: tp 1, fn 1 -> 2/3; the other four: 0
    assert scores.macro_f1 == pytest.approx((0.5 + 2 / 3) / 6)
    assert scores.confusion[0].tolist() == [1, 0, 0, 0, 0, 0, 1]
    assert scores.confusion[1].tolist() == [1, 1, 0, 0, 0, 0, 0]


def test_the_confusion_matrix_prints_as_markdown() -> None:
    scores = score(["fear"], [-0.4], ["fear"], [-0.3])
    table = format_confusion(scores.confusion).splitlines()

    assert table[0].endswith("| neutral | uncertain |")
    assert table[5] == "| **fear** | 0 | 0 | 0 | 1 | 0 | 0 | 0 |"
