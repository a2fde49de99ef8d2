"""Training the emotion head: numpy only, deterministic (fixed seeds, full-batch Adam).

Used by `scripts/train_mood.py`, which reads only the `train` split. The recipe's numbers
were chosen by 5-fold cross-validation within that split (`train_mood.py --search` prints the
comparison); the held-out `test` split plays no part in anything here.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from hubbub.infra.emotion import lexical
from hubbub.infra.emotion.head import EmotionHead, Floats, softmax
from hubbub.kernel.mood import EMOTIONS

Ints = NDArray[np.int64]


@dataclass(frozen=True)
class Recipe:
    """How a head is trained."""

    hidden: int = 256
    l2: float = 1e-2
    epochs: int = 300
    learning_rate: float = 3e-3
    seed: int = 0


RECIPE = Recipe()
"""The shipped recipe. In 5-fold cross-validation on the training split the alternatives
(logistic regression; 32 to 512 hidden units; more L2; three seeds averaged; a heavier
valence loss; passage or prompted embeddings alongside) all came within a point or two of
each other; this one had the best emotion macro-F1 in both languages (`--search` of
`scripts/train_mood.py` prints the comparison of the sizes)."""

RECIPE_VERSION = 2
"""Bump when the recipe or the head's format changes (the data has its own hash). 2: the
lexical polarity (`lexical.py`) added to the valence."""

LEXICON_MIN_COUNT = 2
"""A stem is in the lexicon when at least this many polar training entries have it."""
LEXICON_L2 = 3.0
"""The lexical regression's L2 (cross-validation on the training split: 1, 3 and 10 within
half a point; 3 the best blended)."""
LEXICON_MIXES = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)
"""The weights of the lexical polarity tried; the one with the best out-of-fold polarity
(mean of the languages) ships."""
POLAR = 0.2
"""Training entries at least this far from 0 teach the lexical polarity (as in `metrics`)."""


def version(data_sha256: str) -> str:
    """The head's version: the recipe's and the first hex digits of the data's hash."""
    return f"mood-head-{RECIPE_VERSION}.{data_sha256[:8]}"


@dataclass(frozen=True)
class Labelled:
    """Embeddings of the training rows with their gold labels."""

    vectors: Floats
    emotions: Ints
    """Index into `EMOTIONS`."""
    valences: Floats
    groups: Sequence[str]
    """Stratification groups besides the emotion (the language)."""


def fit(
    data: Labelled, recipe: Recipe, *, version: str, embedder: str, data_sha256: str
) -> EmotionHead:
    """Train a head on all of `data`, uncalibrated (temperature 1, margin 0: see
    `calibrate`)."""
    mean = data.vectors.mean(axis=0)
    scale = data.vectors.std(axis=0) + 1e-6
    standard = (data.vectors - mean) / scale
    params = _adam(standard, data.emotions, data.valences, recipe)
    emotion_valence = np.array(
        [data.valences[data.emotions == k].mean() for k in range(len(EMOTIONS))]
    )
    return EmotionHead(
        version=version,
        embedder=embedder,
        data_sha256=data_sha256,
        margin=0.0,
        temperature=1.0,
        mean=mean,
        scale=scale,
        hidden_w=params["hidden_w"],
        hidden_b=params["hidden_b"],
        emotion_w=params["emotion_w"],
        emotion_b=params["emotion_b"],
        valence_w=params["valence_w"][:, 0],
        valence_b=float(params["valence_b"][0]),
        emotion_valence=emotion_valence,
    )


@dataclass(frozen=True)
class OutOfFold:
    """Every training row read by a head trained on the other folds."""

    logits: Floats
    regressed: Floats
    emotion_valence: Floats
    """The emotions' mean valences of each row's fold head (n × 6)."""

    def readings(self, temperature: float) -> tuple[Floats, Floats]:
        """Probabilities and valences at `temperature`, as a head would answer them."""
        probabilities = softmax(self.logits / temperature)
        derived = np.einsum("ij,ij->i", probabilities, self.emotion_valence)
        valences: Floats = (self.regressed + derived) / 2
        return probabilities, valences


def cross_validate(data: Labelled, recipe: Recipe, *, folds: int = 5) -> OutOfFold:
    """Out-of-fold outputs for every row (folds stratified by group and emotion, assigned
    with a fixed seed)."""
    assignment = stratified_folds(data.emotions, data.groups, folds=folds, seed=recipe.seed)
    rows = len(data.emotions)
    logits = np.zeros((rows, len(EMOTIONS)))
    regressed = np.zeros(rows)
    emotion_valence = np.zeros((rows, len(EMOTIONS)))
    for fold in range(folds):
        held = assignment == fold
        head = fit(_subset(data, ~held), recipe, version="cv", embedder="cv", data_sha256="")
        logits[held], regressed[held] = head.outputs(data.vectors[held])
        emotion_valence[held] = head.emotion_valence
    return OutOfFold(logits, regressed, emotion_valence)


def calibrate(head: EmotionHead, out_of_fold: OutOfFold, emotions: Ints) -> EmotionHead:
    """The head with the temperature and the margin chosen on out-of-fold predictions."""
    temperature = choose_temperature(out_of_fold.logits, emotions)
    probabilities, _ = out_of_fold.readings(temperature)
    return replace(head, temperature=temperature, margin=choose_margin(probabilities, emotions))


def choose_temperature(logits: Floats, emotions: Ints) -> float:
    """The temperature (0.5 to 10, on a grid) with the least out-of-fold log loss."""
    grid = np.round(np.exp(np.linspace(np.log(0.5), np.log(10.0), 61)), 3)
    rows = np.arange(len(emotions))
    losses = [-np.log(softmax(logits / t)[rows, emotions] + 1e-12).mean() for t in grid]
    return float(grid[int(np.argmin(losses))])


def choose_margin(probabilities: Floats, emotions: Ints) -> float:
    """The margin for `uncertain`, from out-of-fold predictions: the smallest margin (steps
    of 0.01 up to 0.5) that maximises right labels minus wrong labels, an uncertain answer
    counting zero. So the head abstains exactly where its guess is wrong more often than
    right."""
    ordered = np.sort(probabilities, axis=1)
    gaps = ordered[:, -1] - ordered[:, -2]
    right = probabilities.argmax(axis=1) == emotions
    best, best_score = 0.0, -np.inf
    for margin in np.round(np.arange(0.0, 0.501, 0.01), 2):
        answered = gaps >= margin
        score = int(right[answered].sum()) - int((~right[answered]).sum())
        if score > best_score:
            best, best_score = float(margin), score
    return best


@dataclass(frozen=True)
class Lexicon:
    """A fitted lexical polarity."""

    tokens: tuple[str, ...]
    w: Floats
    b: float


def fit_lexical(texts: Sequence[str], valences: Floats) -> Lexicon:
    """The lexical polarity trained on the polar `texts` (|valence| ≥ `POLAR`)."""
    polar = np.abs(valences) >= POLAR
    chosen = [text for text, keep in zip(texts, polar, strict=True) if keep]
    tokens = lexical.vocabulary_of(chosen, min_count=LEXICON_MIN_COUNT)
    index = {token: column for column, token in enumerate(tokens)}
    w, b = lexical.fit_polarity(lexical.features(chosen, index), valences[polar] > 0, l2=LEXICON_L2)
    return Lexicon(tuple(tokens), w, b)


def cross_validate_lexical(
    texts: Sequence[str], data: Labelled, *, folds: int = 5, seed: int = 0
) -> Floats:
    """Out-of-fold lexical polarity (-1..1) of every row, on the folds of `cross_validate`."""
    assignment = stratified_folds(data.emotions, data.groups, folds=folds, seed=seed)
    result = np.zeros(len(texts))
    for fold in range(folds):
        held = assignment == fold
        kept = [text for text, keep in zip(texts, ~held, strict=True) if keep]
        fitted = fit_lexical(kept, data.valences[~held])
        reading = [text for text, keep in zip(texts, held, strict=True) if keep]
        result[held] = lexical.polarity(reading, fitted.tokens, fitted.w, fitted.b)
    return result


def choose_mix(valences: Floats, words: Floats, gold: Floats, groups: Sequence[str]) -> float:
    """The lexical weight (of `LEXICON_MIXES`) whose blended out-of-fold valences have the
    best polarity, the mean over the groups (languages); ties go to the smaller weight."""
    polar = np.abs(gold) >= POLAR
    group_array = np.asarray(groups)
    best, best_score = 0.0, -1.0
    for mix in LEXICON_MIXES:
        blended = valences + mix * words
        right = np.sign(blended) == np.sign(gold)
        score = float(np.mean([right[polar & (group_array == g)].mean() for g in set(groups)]))
        if score > best_score + 1e-9:
            best, best_score = mix, score
    return best


def with_lexicon(head: EmotionHead, fitted: Lexicon, mix: float) -> EmotionHead:
    """The head with the lexical polarity added at weight `mix`."""
    return replace(
        head, lexicon=fitted.tokens, lexicon_w=fitted.w, lexicon_b=fitted.b, lexicon_mix=mix
    )


def stratified_folds(emotions: Ints, groups: Sequence[str], *, folds: int, seed: int) -> Ints:
    """A fold number per row; each (group, emotion) class is spread evenly over the folds."""
    rng = np.random.default_rng(seed)
    assignment = np.zeros(len(emotions), dtype=np.int64)
    group_array = np.asarray(groups)
    for group in sorted(set(groups)):
        for emotion in range(len(EMOTIONS)):
            members = np.flatnonzero((group_array == group) & (emotions == emotion))
            assignment[rng.permutation(members)] = np.arange(len(members)) % folds
    return assignment


def _subset(data: Labelled, mask: NDArray[np.bool_]) -> Labelled:
    return Labelled(
        vectors=data.vectors[mask],
        emotions=data.emotions[mask],
        valences=data.valences[mask],
        groups=[g for g, keep in zip(data.groups, mask, strict=True) if keep],
    )


def _adam(standard: Floats, emotions: Ints, valences: Floats, recipe: Recipe) -> dict[str, Floats]:
    """Full-batch Adam on class-weighted cross-entropy plus squared valence error, L2 on
    the weights. Class weights make each emotion count the same whatever its row count."""
    rng = np.random.default_rng(recipe.seed)
    rows, dim = standard.shape
    classes = len(EMOTIONS)
    onehot = np.eye(classes)[emotions]
    counts = np.bincount(emotions, minlength=classes)
    weights = (rows / (classes * np.maximum(counts, 1)))[emotions][:, np.newaxis]
    params: dict[str, Floats] = {
        "hidden_w": rng.normal(0.0, 1 / np.sqrt(dim), (dim, recipe.hidden)),
        "hidden_b": np.zeros(recipe.hidden),
        "emotion_w": rng.normal(0.0, 1 / np.sqrt(recipe.hidden), (recipe.hidden, classes)),
        "emotion_b": np.zeros(classes),
        "valence_w": np.zeros((recipe.hidden, 1)),
        "valence_b": np.zeros(1),
    }
    first = {name: np.zeros_like(value) for name, value in params.items()}
    second = {name: np.zeros_like(value) for name, value in params.items()}
    target = valences[:, np.newaxis]
    for step in range(1, recipe.epochs + 1):
        pre = standard @ params["hidden_w"] + params["hidden_b"]
        hidden = np.maximum(pre, 0.0)
        probabilities = softmax(hidden @ params["emotion_w"] + params["emotion_b"])
        valence = np.tanh(hidden @ params["valence_w"] + params["valence_b"])
        emotion_grad = (probabilities - onehot) * weights / rows
        valence_grad = 2 * (valence - target) * (1 - valence**2) / rows
        hidden_grad = (
            emotion_grad @ params["emotion_w"].T + valence_grad @ params["valence_w"].T
        ) * (pre > 0)
        grads = {
            "hidden_w": standard.T @ hidden_grad + recipe.l2 * params["hidden_w"],
            "hidden_b": hidden_grad.sum(axis=0),
            "emotion_w": hidden.T @ emotion_grad + recipe.l2 * params["emotion_w"],
            "emotion_b": emotion_grad.sum(axis=0),
            "valence_w": hidden.T @ valence_grad + recipe.l2 * params["valence_w"],
            "valence_b": valence_grad.sum(axis=0),
        }
        for name, grad in grads.items():
            first[name] = 0.9 * first[name] + 0.1 * grad
            second[name] = 0.999 * second[name] + 0.001 * grad**2
            corrected = first[name] / (1 - 0.9**step)
            params[name] = params[name] - recipe.learning_rate * corrected / (
                np.sqrt(second[name] / (1 - 0.999**step)) + 1e-8
            )
    return params
