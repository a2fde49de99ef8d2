"""Aggregating the readings of an entry's chunks: weights, valence and `uncertain`."""

import numpy as np
import pytest

from hubbub.infra.emotion.aggregate import aggregate, label_of
from hubbub.kernel.mood import UNCERTAIN

JOY = [0.9, 0.02, 0.02, 0.02, 0.02, 0.02]
SAD = [0.02, 0.9, 0.02, 0.02, 0.02, 0.02]


def test_one_chunk_is_its_own_reading() -> None:
    result = aggregate(np.array([JOY]), np.array([0.6]), [40], margin=0.1)

    assert result.label == "joy"
    assert result.valence == pytest.approx(0.6)
    assert result.probabilities == pytest.approx(JOY)


def test_longer_chunks_weigh_more() -> None:
    result = aggregate(np.array([JOY, SAD]), np.array([0.6, -0.5]), [300, 30], margin=0.1)

    assert result.label == "joy"
    assert result.valence == pytest.approx((300 * 0.6 - 30 * 0.5) / 330)
    assert result.probabilities.sum() == pytest.approx(1.0)


def test_confident_chunks_weigh_more_than_hesitant_ones() -> None:
    hesitant_sad = [0.2, 0.3, 0.2, 0.1, 0.1, 0.1]
    result = aggregate(np.array([JOY, hesitant_sad]), np.array([0.5, -0.5]), [50, 50], margin=0)

    assert result.valence == pytest.approx((0.9 * 0.5 - 0.3 * 0.5) / 1.2)


def test_two_equally_strong_opposite_chunks_are_uncertain() -> None:
    result = aggregate(np.array([JOY, SAD]), np.array([0.6, -0.6]), [50, 50], margin=0.1)

    assert result.label == UNCERTAIN
    assert result.valence == pytest.approx(0.0)


def test_the_valence_stays_within_bounds() -> None:
    result = aggregate(np.array([JOY]), np.array([1.3]), [10], margin=0.1)
    assert result.valence == 1.0


def test_label_of_answers_uncertain_only_within_the_margin() -> None:
    close = np.array([0.40, 0.35, 0.1, 0.05, 0.05, 0.05])

    assert label_of(close, margin=0.1) == UNCERTAIN
    assert label_of(close, margin=0.05) == "joy"
    assert label_of(np.array([0.0, 0.0, 0.0, 0.0, 0.3, 0.7]), margin=0.3) == "neutral"


def test_readings_must_match_the_chunks() -> None:
    with pytest.raises(ValueError, match="one row"):
        aggregate(np.array([JOY]), np.array([0.6, 0.1]), [10, 10], margin=0.1)
    with pytest.raises(ValueError, match="one row"):
        aggregate(np.zeros((0, 6)), np.zeros(0), [], margin=0.1)
