"""The trained head: from sentence embeddings to six emotion probabilities and a valence.

A small network in numpy: the embedding, standardised with the training data's mean and
scale, goes through one ReLU layer shared by two outputs, a softmax over the six emotions and
a tanh valence. The valence it answers is the mean of that output and the valence the emotion
probabilities imply (each emotion's mean valence in the training data, weighted by its
probability): in cross-validation the mean had the better polarity, since the regression
alone leans on topic words and the derived one cannot tell good surprises from bad.

Since round 2 (issue 11) the valence also hears the entry's words: a logistic regression over
stemmed words with negation (`lexical.py`) adds its polarity with a small weight,
`lexicon_mix`, chosen by cross-validation on the training split (0 turns it off).

The weights, the margin for `uncertain`, the model version and the SHA-256 of the data it was
trained on are one `.npz` file shipped inside the package (a few hundred kB), written by
`scripts/train_mood.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from hubbub.infra.emotion import lexical
from hubbub.kernel.mood import EMOTIONS

Floats = NDArray[np.float64]

SHIPPED = "weights/mood_head.npz"
"""The shipped head, relative to this package."""


@dataclass(frozen=True)
class EmotionHead:
    """Weights of the head and what they were trained on."""

    version: str
    """The head's version: the training recipe and a digest of its data."""
    embedder: str
    """The embedder the head was trained on (`Embedder.name`); another one needs retraining."""
    data_sha256: str
    """SHA-256 of the training data (`hubbub.infra.emotion.dataset.data_sha256`)."""
    margin: float
    """Leading emotions closer than this are `uncertain`."""
    temperature: float
    """Logits are divided by this before the softmax (fitted on out-of-fold predictions, so
    that a probability of 0.7 is right about 70% of the time)."""
    mean: Floats
    scale: Floats
    hidden_w: Floats
    hidden_b: Floats
    emotion_w: Floats
    emotion_b: Floats
    valence_w: Floats
    valence_b: float
    emotion_valence: Floats
    """Each emotion's mean valence in the training data (`EMOTIONS` order)."""
    lexicon: tuple[str, ...] = ()
    """The stems of the lexical polarity (`lexical.tokens`); empty: none."""
    lexicon_w: Floats | None = None
    lexicon_b: float = 0.0
    lexicon_mix: float = 0.0
    """How much of the lexical polarity (-1..1) is added to the valence."""

    def predict(
        self, vectors: NDArray[Any], texts: Sequence[str] | None = None
    ) -> tuple[Floats, Floats]:
        """Emotion probabilities (n × 6, `EMOTIONS` order) and valences (n) of embeddings;
        with the `texts` they embed, the valences also hear their words (`lexicon_mix`)."""
        logits, regressed = self.outputs(vectors)
        probabilities, valences = readings(
            logits, regressed, self.emotion_valence, temperature=self.temperature
        )
        if texts is not None and self.lexicon_mix > 0 and self.lexicon_w is not None:
            if len(texts) != len(valences):
                raise ValueError("one text per vector")
            words = lexical.polarity(texts, self.lexicon, self.lexicon_w, self.lexicon_b)
            valences = np.clip(valences + self.lexicon_mix * words, -1.0, 1.0)
        return probabilities, valences

    def outputs(self, vectors: NDArray[Any]) -> tuple[Floats, Floats]:
        """The network's raw outputs: emotion logits (n × 6) and regressed valences (n)."""
        standard = (np.asarray(vectors, dtype=np.float64) - self.mean) / self.scale
        hidden = np.maximum(standard @ self.hidden_w + self.hidden_b, 0.0)
        return hidden @ self.emotion_w + self.emotion_b, np.tanh(
            hidden @ self.valence_w + self.valence_b
        )

    def save(self, path: Path) -> None:
        """Write the head as an uncompressed `.npz` (plain arrays, no pickles)."""
        np.savez(
            path,
            emotions=np.array(EMOTIONS),
            version=np.array(self.version),
            embedder=np.array(self.embedder),
            data_sha256=np.array(self.data_sha256),
            margin=np.array(self.margin),
            temperature=np.array(self.temperature),
            mean=self.mean.astype(np.float32),
            scale=self.scale.astype(np.float32),
            hidden_w=self.hidden_w.astype(np.float32),
            hidden_b=self.hidden_b.astype(np.float32),
            emotion_w=self.emotion_w.astype(np.float32),
            emotion_b=self.emotion_b.astype(np.float32),
            valence_w=self.valence_w.astype(np.float32),
            valence_b=np.array(self.valence_b, dtype=np.float32),
            emotion_valence=self.emotion_valence.astype(np.float32),
            lexicon=np.array(self.lexicon, dtype=str),
            lexicon_w=np.zeros(0) if self.lexicon_w is None else self.lexicon_w.astype(np.float32),
            lexicon_b=np.array(self.lexicon_b, dtype=np.float32),
            lexicon_mix=np.array(self.lexicon_mix),
        )

    @classmethod
    def load(cls, path: Path | None = None) -> EmotionHead:
        """Read a head written by `save`; the shipped one by default."""
        source = resources.files(__package__).joinpath(SHIPPED) if path is None else path
        with source.open("rb") as file, np.load(file, allow_pickle=False) as arrays:
            if tuple(str(name) for name in arrays["emotions"]) != EMOTIONS:
                raise ValueError("the head's emotions are not the contract's EMOTIONS")

            def floats(name: str) -> Floats:
                return np.asarray(arrays[name], dtype=np.float64)

            return cls(
                version=str(arrays["version"]),
                embedder=str(arrays["embedder"]),
                data_sha256=str(arrays["data_sha256"]),
                margin=float(arrays["margin"]),
                temperature=float(arrays["temperature"]),
                mean=floats("mean"),
                scale=floats("scale"),
                hidden_w=floats("hidden_w"),
                hidden_b=floats("hidden_b"),
                emotion_w=floats("emotion_w"),
                emotion_b=floats("emotion_b"),
                valence_w=floats("valence_w"),
                valence_b=float(arrays["valence_b"]),
                emotion_valence=floats("emotion_valence"),
                **_lexicon(arrays),
            )


def _lexicon(arrays: Any) -> dict[str, Any]:
    """The lexical part of a saved head; a head saved before it had none."""
    if "lexicon" not in arrays.files:
        return {}
    return {
        "lexicon": tuple(str(token) for token in arrays["lexicon"]),
        "lexicon_w": np.asarray(arrays["lexicon_w"], dtype=np.float64),
        "lexicon_b": float(arrays["lexicon_b"]),
        "lexicon_mix": float(arrays["lexicon_mix"]),
    }


def readings(
    logits: Floats, regressed: Floats, emotion_valence: Floats, *, temperature: float
) -> tuple[Floats, Floats]:
    """Probabilities and valences from the network's outputs (see the module's docstring)."""
    probabilities = softmax(logits / temperature)
    valences: Floats = (regressed + probabilities @ emotion_valence) / 2
    return probabilities, valences


def softmax(logits: Floats) -> Floats:
    """Row-wise softmax, stable for large logits."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    result: Floats = shifted / shifted.sum(axis=1, keepdims=True)
    return result
