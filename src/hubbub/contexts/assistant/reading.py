"""How one chat line reads: the intent head's probabilities and the nearest trigger.

A line is embedded once (the embedder caches recent lines); the head (``head.py``) gives
every intent a probability, and the line's cosine to the nearest trigger of its language
says whether it is in the banks' domain. The best intent is "clear" when it clears a bar:
its probability, its lead over the runner-up, and the domain floor. ``conversation`` and
``smart_reply`` decide what to do with it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np

from hubbub.contexts.assistant import bank_index
from hubbub.contexts.assistant.banks import Banks, Tone
from hubbub.kernel.ports import Embedder

TONE_NEIGHBOURS = 3
# A cheerful winner this close (in probability) to a sombre intent is a mixed message.
CLASH_MARGIN = 0.1
# ... or any sombre intent among the likeliest with at least this probability: "they gave
# the flat to someone else" is about a flat, and no occasion for "congratulations".
CLASH_FLOOR = 0.1
# Below this cosine to every trigger of its language a line is off the banks' domain: no
# intent is clear, and its neighbours' tones are noise.
SIMILARITY_FLOOR = 0.84
SOMBRE = frozenset({Tone.NEGATIVE, Tone.URGENT})


@dataclass(frozen=True)
class Reading:
    """How a line scored against its language's bank, before any bar."""

    language: str
    intent_id: str | None = None  # the best-scoring intent; None: no line
    score: float = 0.0  # the best intent's probability
    lead: float = 0.0  # how far it leads the runner-up
    similarity: float = 0.0  # cosine to the nearest trigger of its language
    # A cheerful best intent with a sombre one close behind ("congrats... but I'm hurt"):
    # a mixed message, never clear, whatever the bar.
    mixed: bool = False
    words: int = 0
    text: str = ""
    # What an unclear line sounds like: the majority tone of its nearest intents.
    tone: Tone = Tone.NEUTRAL
    # How much of the head's probability sits on sombre intents (grief, reproach, worry...).
    sombre: float = 0.0

    def clear(self, threshold: float, margin: float) -> str | None:
        """The best intent if it clears this bar, else None."""
        if self.score < threshold or self.lead < margin or self.mixed:
            return None
        if self.similarity < SIMILARITY_FLOOR:
            return None
        return self.intent_id


class Classifier:
    """The banks' intents for any line: the trained head picks the intent, the nearest
    trigger of the conversation's language says whether the line is in the domain at all
    (a softmax always picks something, even for "compile with gcc -O2")."""

    def __init__(self, banks: Banks, embedder: Embedder, index: bank_index.Index | None) -> None:
        self._embedder = embedder
        self.precomputed = index is not None
        index = index or bank_index.build(banks, embedder)
        self._head = index.head
        self._vectors = index.vectors
        self._ids = bank_index.intent_ids(banks)
        reference = next(iter(banks.by_language.values()))
        self._tones = [reference.intents[iid].tone for iid in self._ids]
        self._sombre = np.asarray([tone in SOMBRE for tone in self._tones])

    def read(self, text: str, language: str) -> Reading:
        vector = self._embedder.embed([text])[0]
        p = self._head.probabilities(vector[np.newaxis, :])[0]
        order = np.argsort(p)[::-1][:TONE_NEIGHBOURS]
        best, second = float(p[order[0]]), float(p[order[1]])
        similarity = float(np.max(self._vectors[language] @ vector))
        tones = [self._tones[int(i)] for i in order]
        mixed = tones[0] is Tone.POSITIVE and any(
            tone in SOMBRE and (best - float(p[i]) < CLASH_MARGIN or float(p[i]) >= CLASH_FLOOR)
            for tone, i in zip(tones[1:], order[1:], strict=True)
        )
        return Reading(
            language=language,
            intent_id=self._ids[int(order[0])],
            score=best,
            lead=best - second,
            similarity=similarity,
            mixed=mixed,
            words=len(text.split()),
            text=text,
            tone=_vote(tones) if similarity >= SIMILARITY_FLOOR else Tone.NEUTRAL,
            sombre=float(p[self._sombre].sum()),
        )


def _vote(tones: list[Tone]) -> Tone:
    """The most common tone among the likeliest intents; the likeliest wins a tie."""
    return Counter(tones).most_common(1)[0][0]
