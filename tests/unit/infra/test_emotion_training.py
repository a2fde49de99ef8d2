"""Training the emotion head on toy data: it learns, it is deterministic, and the margin and
temperature are chosen by their rules."""

from pathlib import Path

import numpy as np
import pytest

from hubbub.infra.emotion import training
from hubbub.infra.emotion.aggregate import label_of
from hubbub.infra.emotion.head import EmotionHead
from hubbub.kernel.mood import EMOTIONS, UNCERTAIN

SMALL = training.Recipe(hidden=16, epochs=150, learning_rate=1e-2)
CLASS_VALENCE = np.array([0.6, -0.4, -0.5, -0.4, 0.0, 0.0])


def toy(rows_per_class: int = 20, *, noise: float = 0.3, seed: int = 1) -> training.Labelled:
    """Six well-separated clusters in 8 dimensions, two 'languages'."""
    rng = np.random.default_rng(seed)
    centres = 2 * rng.normal(size=(len(EMOTIONS), 8))
    emotions = np.repeat(np.arange(len(EMOTIONS)), rows_per_class)
    vectors = centres[emotions] + noise * rng.normal(size=(len(emotions), 8))
    return training.Labelled(
        vectors=vectors,
        emotions=emotions,
        valences=CLASS_VALENCE[emotions],
        groups=["en" if i % 2 else "ru" for i in range(len(emotions))],
    )


def fit(data: training.Labelled) -> EmotionHead:
    return training.fit(data, SMALL, version="v", embedder="toy", data_sha256="0" * 64)


def test_the_head_learns_separable_emotions_and_their_valence() -> None:
    data = toy()
    probabilities, valences = fit(data).predict(data.vectors)

    assert (probabilities.argmax(axis=1) == data.emotions).mean() > 0.95
    polar = np.abs(data.valences) > 0
    assert (np.sign(valences[polar]) == np.sign(data.valences[polar])).mean() > 0.95


def test_training_is_deterministic() -> None:
    first, second = fit(toy()), fit(toy())
    assert np.array_equal(first.hidden_w, second.hidden_w)
    assert np.array_equal(first.emotion_w, second.emotion_w)


def test_cross_validation_reads_every_row_with_a_head_that_never_saw_it() -> None:
    data = toy()
    out_of_fold = training.cross_validate(data, SMALL, folds=4)
    probabilities, valences = out_of_fold.readings(1.0)

    assert probabilities.shape == (len(data.emotions), len(EMOTIONS))
    assert valences.shape == (len(data.emotions),)
    assert (probabilities.argmax(axis=1) == data.emotions).mean() > 0.9


def test_folds_spread_every_class_of_every_group_evenly() -> None:
    data = toy(rows_per_class=20)
    folds = training.stratified_folds(data.emotions, data.groups, folds=5, seed=0)
    groups = np.asarray(data.groups)
    for group in ("en", "ru"):
        for emotion in range(len(EMOTIONS)):
            members = folds[(groups == group) & (data.emotions == emotion)]
            assert np.bincount(members, minlength=5).tolist() == [2, 2, 2, 2, 2]


def test_the_margin_abstains_where_guesses_are_wrong_more_often_than_right() -> None:
    # Ten confident right answers; five close calls, four of them wrong.
    confident = np.tile([0.9, 0.02, 0.02, 0.02, 0.02, 0.02], (10, 1))
    close = np.tile([0.42, 0.38, 0.05, 0.05, 0.05, 0.05], (5, 1))
    probabilities = np.vstack([confident, close])
    emotions = np.array([0] * 10 + [0] + [1] * 4)

    margin = training.choose_margin(probabilities, emotions)

    assert label_of(close[0], margin=margin) == UNCERTAIN
    assert label_of(confident[0], margin=margin) == "joy"
    assert training.choose_margin(confident, np.zeros(10, dtype=np.int64)) == 0.0


def test_overconfident_logits_get_a_temperature_above_one() -> None:
    rng = np.random.default_rng(0)
    emotions = rng.integers(0, 6, size=200)
    guesses = np.where(rng.random(200) < 0.7, emotions, (emotions + 1) % 6)  # 70% right
    logits = 20 * np.eye(6)[guesses]  # but certain every time

    assert training.choose_temperature(logits, emotions) > 2


def test_calibrate_sets_the_temperature_and_the_margin() -> None:
    data = toy(noise=1.5)
    out_of_fold = training.cross_validate(data, SMALL, folds=4)
    head = training.calibrate(fit(data), out_of_fold, data.emotions)

    assert head.temperature == training.choose_temperature(out_of_fold.logits, data.emotions)
    assert 0 <= head.margin <= 0.5


def test_a_saved_head_loads_back(tmp_path: Path) -> None:
    data = toy()
    head = fit(data)
    head.save(tmp_path / "head.npz")
    loaded = EmotionHead.load(tmp_path / "head.npz")

    assert (loaded.version, loaded.embedder, loaded.data_sha256) == ("v", "toy", "0" * 64)
    for saved, read in zip(head.predict(data.vectors), loaded.predict(data.vectors), strict=True):
        assert read == pytest.approx(saved, abs=1e-4)


def test_the_version_names_the_recipe_and_the_data() -> None:
    assert (
        training.version("35d33683" + "0" * 56) == f"mood-head-{training.RECIPE_VERSION}.35d33683"
    )
