"""The intent classifier head: softmax regression on the embedder's sentence vectors.

Trained on the banks' triggers of both languages together (the embedder is multilingual
and both banks have the same intents, so every intent learns from twice the phrasings), by
plain full-batch gradient descent from zeros: deterministic, about a second, done by
``make assistant-index`` and shipped with the trigger vectors (``bank_index``). On the dev
conversations it picked an acceptable intent for 77% of the latest lines where the nearest
trigger did for 68% (first bank, bench/RESULTS.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hubbub.kernel.ports import Vectors

TEMPERATURE = 0.1  # cosine similarities live in a narrow band: sharpen them
L2 = 1e-4  # swept with the bars on the dev set: 1e-3 left the head too timid
EPOCHS = 400
STEP = 2.0


@dataclass(frozen=True)
class Head:
    """Weights (dim × intents) and biases; `probabilities` of every intent for vectors."""

    weights: Vectors
    bias: Vectors

    def probabilities(self, vectors: Vectors) -> Vectors:
        logits = (vectors @ self.weights + self.bias) / TEMPERATURE
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        result: Vectors = exp / exp.sum(axis=1, keepdims=True)
        return result


def train(vectors: Vectors, labels: np.ndarray, classes: int) -> Head:
    """Fit the head to `vectors` labelled with class indices."""
    n, dim = vectors.shape
    x = vectors.astype(np.float64)
    onehot = np.eye(classes)[labels]
    weights = np.zeros((dim, classes))
    bias = np.zeros(classes)
    for _ in range(EPOCHS):
        logits = (x @ weights + bias) / TEMPERATURE
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        p /= p.sum(axis=1, keepdims=True)
        grad = (p - onehot) / n
        weights -= STEP * (x.T @ grad / TEMPERATURE + L2 * weights)
        bias -= STEP * grad.sum(axis=0) / TEMPERATURE
    return Head(weights.astype(np.float32), bias.astype(np.float32))
