"""The words of an entry, as a second opinion on its polarity: a logistic regression over
stemmed words (English and Russian Snowball stemmers), with a word after a negation
("not", "never", "не", "ни", "без"…, up to three words on, within the clause) kept apart
from the same word unnegated (`NOT_рад` is not `рад`).

Why: the embedder places an entry by its topic more than by its feeling, so "Productive day,
feels great" or «Отлично, автобус ушёл прямо перед носом» can land on the wrong side; the
words themselves, read as words, pull it back. Alone this reads polarity far worse than the
embedding (about 72–76% in cross-validation); added to the head's valence with a small
weight (chosen by cross-validation on the training split, `training.fit_lexical`) it
corrects the near misses. Pure Python and numpy; a few thousand stems shipped in the head's
`.npz`.
"""

import re
from collections.abc import Iterable, Sequence

import numpy as np
import snowballstemmer
from numpy.typing import NDArray

Floats = NDArray[np.float64]

_ENGLISH = snowballstemmer.stemmer("english")
_RUSSIAN = snowballstemmer.stemmer("russian")
_CLAUSE = re.compile(r"[,.;:!?…—–]+")
_WORD = re.compile(r"[a-zа-я']+")
_CYRILLIC = re.compile(r"[а-я]")
NEGATIONS = frozenset(
    {
        "not", "no", "never", "nothing", "nobody", "n't", "don't", "didn't", "doesn't",
        "isn't", "wasn't", "aren't", "weren't", "can't", "couldn't", "won't", "wouldn't",
        "haven't", "hasn't", "не", "ни", "нет", "без", "никогда", "ничего", "никто",
    }
)  # fmt: skip
NEGATED_WORDS = 3
"""How many words after a negation count as negated (within the clause)."""


def tokens(text: str) -> list[str]:
    """The stems of `text`, lowercased (ё as е), negated ones prefixed with `NOT_`."""
    out: list[str] = []
    for clause in _CLAUSE.split(text.lower().replace("ё", "е")):
        negated = 0
        for word in _WORD.findall(clause):
            if word in NEGATIONS:
                negated = NEGATED_WORDS
                out.append(word)
                continue
            stemmer = _RUSSIAN if _CYRILLIC.match(word) else _ENGLISH
            stem = str(stemmer.stemWord(word))
            out.append(f"NOT_{stem}" if negated > 0 else stem)
            negated -= 1
    return out


def features(texts: Sequence[str], vocabulary: dict[str, int]) -> Floats:
    """Binary bag of stems (n × len(vocabulary)): 1 where the text has the stem."""
    matrix = np.zeros((len(texts), len(vocabulary)))
    for row, text in enumerate(texts):
        columns = [vocabulary[t] for t in set(tokens(text)) if t in vocabulary]
        matrix[row, columns] = 1.0
    return matrix


def vocabulary_of(texts: Iterable[str], *, min_count: int) -> list[str]:
    """The stems in at least `min_count` of `texts`, sorted."""
    counts: dict[str, int] = {}
    for text in texts:
        for token in set(tokens(text)):
            counts[token] = counts.get(token, 0) + 1
    return sorted(token for token, count in counts.items() if count >= min_count)


def fit_polarity(
    matrix: Floats, positive: NDArray[np.bool_], *, l2: float, iterations: int = 25
) -> tuple[Floats, float]:
    """Weights and bias of an L2-regularised logistic regression (Newton's method) telling
    positive rows from negative ones, the two classes weighing the same."""
    rows = len(positive)
    design = np.hstack([matrix, np.ones((rows, 1))])
    target = positive.astype(np.float64)
    share = float(np.clip(target.mean(), 1e-3, 1 - 1e-3))
    weights = np.where(positive, 0.5 / share, 0.5 / (1 - share))
    penalty = l2 * np.eye(design.shape[1])
    penalty[-1, -1] = 0.0
    beta = np.zeros(design.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-np.clip(design @ beta, -30, 30)))
        gradient = design.T @ (weights * (p - target)) + penalty @ beta
        hessian = (design * (weights * p * (1 - p))[:, np.newaxis]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-6:
            break
    return beta[:-1], float(beta[-1])


def polarity(texts: Sequence[str], vocabulary: Sequence[str], w: Floats, b: float) -> Floats:
    """The lexical polarity of each text, in -1..1: tanh of half the regression's logit."""
    index = {token: column for column, token in enumerate(vocabulary)}
    result: Floats = np.tanh((features(texts, index) @ w + b) / 2)
    return result
