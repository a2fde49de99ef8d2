"""The lexical polarity (round 2 of the mood model): stems with negation, a regression that
learns the sign of toy entries, its weight chosen by cross-validated polarity, and a head
that carries it through save and load."""

from pathlib import Path

import numpy as np
import pytest

from hubbub.infra.emotion import lexical, training
from hubbub.infra.emotion.head import EmotionHead
from hubbub.kernel.mood import EMOTIONS

# Every word the tests ask about is in two entries: the lexicon keeps stems seen twice.
GOOD = ["a great day", "so happy today", "great news, happy", "рада, отличный день", "я так рада"]
BAD = [
    "a terrible day",
    "so sad today",
    "terrible news, sad",
    "грустно, ужасный день",
    "так грустно",
]


def test_tokens_are_stems_and_negation_marks_the_next_words_of_the_clause() -> None:
    assert lexical.tokens("Not a bad day at all, honestly.") == [
        "not", "NOT_a", "NOT_bad", "NOT_day", "at", "all", "honest",
    ]  # fmt: skip
    assert lexical.tokens("Я не расстроен, я в бешенстве!") == [
        "я", "не", "NOT_расстро", "я", "в", "бешенств",
    ]  # fmt: skip
    assert lexical.tokens("Ёлка") == lexical.tokens("елка")
    assert lexical.tokens("") == []


def test_the_regression_learns_the_sign_of_words() -> None:
    texts = GOOD + BAD
    valences = np.array([0.6] * len(GOOD) + [-0.5] * len(BAD))
    fitted = training.fit_lexical(texts, valences)

    scores = lexical.polarity(
        ["happy, great", "sad and terrible", "рада", "грустно"], fitted.tokens, fitted.w, fitted.b
    )
    assert list(np.sign(scores)) == [1, -1, 1, -1]
    assert np.all(np.abs(scores) < 1)
    # A word never seen in training adds nothing: the bias alone answers.
    unseen = lexical.polarity(["zebra"], fitted.tokens, fitted.w, fitted.b)
    assert unseen[0] == pytest.approx(np.tanh(fitted.b / 2))


def test_the_mix_is_the_weight_with_the_best_polarity_and_zero_when_words_hurt() -> None:
    gold = np.array([0.5, 0.5, -0.5, -0.5])
    near_misses = np.array([-0.01, 0.3, 0.02, -0.3])
    groups = ["en", "en", "ru", "ru"]

    assert training.choose_mix(near_misses, np.array([1.0, 1.0, -1.0, -1.0]), gold, groups) > 0
    assert training.choose_mix(near_misses, np.array([-1.0, -1.0, 1.0, 1.0]), gold, groups) == 0


def test_a_head_hears_the_words_only_with_the_texts_and_keeps_them_through_save(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(0)
    dim = 4
    head = EmotionHead(
        version="v",
        embedder="toy",
        data_sha256="0" * 64,
        margin=0.1,
        temperature=1.0,
        mean=np.zeros(dim),
        scale=np.ones(dim),
        hidden_w=rng.normal(size=(dim, 3)),
        hidden_b=np.zeros(3),
        emotion_w=rng.normal(size=(3, len(EMOTIONS))),
        emotion_b=np.zeros(len(EMOTIONS)),
        valence_w=np.zeros(3),
        valence_b=0.0,
        emotion_valence=np.zeros(len(EMOTIONS)),
    )
    fitted = training.fit_lexical(GOOD + BAD, np.array([0.6] * 5 + [-0.5] * 5))
    worded = training.with_lexicon(head, fitted, 0.3)
    vectors = rng.normal(size=(2, dim))
    texts = ["so happy, great", "so sad, terrible"]

    _, plain = worded.predict(vectors)
    _, heard = worded.predict(vectors, texts)
    assert plain == pytest.approx([0.0, 0.0])
    assert heard[0] > 0 > heard[1]
    with pytest.raises(ValueError, match="one text per vector"):
        worded.predict(vectors, texts[:1])

    worded.save(tmp_path / "head.npz")
    loaded = EmotionHead.load(tmp_path / "head.npz")
    assert loaded.lexicon == fitted.tokens and loaded.lexicon_mix == pytest.approx(0.3)
    assert loaded.predict(vectors, texts)[1] == pytest.approx(heard, abs=1e-4)
