"""ProfileIndex: the mood profile vectors of discoverable people, in memory, for exact top-k.

One float32 matrix of `DIM x capacity` (32 bytes a person: 100,000 people are 3.2 MB) and
the ids of its columns. A query scores every person, exactly: `DIM` multiply-adds over
contiguous float32 columns, then an `argpartition` for the top k (under a millisecond at
100,000 on one core, bench/matching.py). The layout is column-wise on purpose: a BLAS
matrix-vector product is as fast alone but spreads over threads, and on a busy two-core
machine its p95 was 25 ms against 0.6 ms for this. People are replaced in place and removed
by moving the last one into the hole, so the matrix stays dense. Not thread-safe: it is used
from the event loop only.
"""

from collections.abc import Iterable, Set
from uuid import UUID

import numpy as np

from hubbub.contexts.matching.model import DIM, FloatRow


class ProfileIndex:
    def __init__(self, capacity: int = 1024) -> None:
        self._vectors = np.zeros((DIM, max(1, capacity)), dtype=np.float32)
        self._ids: list[UUID] = []
        self._rows: dict[UUID, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, user_id: object) -> bool:
        return user_id in self._rows

    def vector(self, user_id: UUID) -> FloatRow | None:
        """The stored vector of a person (a copy), or None."""
        row = self._rows.get(user_id)
        return None if row is None else self._vectors[:, row].copy()

    def put(self, user_id: UUID, vector: FloatRow) -> None:
        """Add or replace a person's vector."""
        row = self._rows.get(user_id)
        if row is None:
            row = len(self._ids)
            if row == self._vectors.shape[1]:
                grown = np.zeros((DIM, 2 * row), dtype=np.float32)
                grown[:, :row] = self._vectors
                self._vectors = grown
            self._ids.append(user_id)
            self._rows[user_id] = row
        self._vectors[:, row] = vector

    def remove(self, user_id: UUID) -> None:
        """Forget a person (nothing happens if they are not in the index)."""
        row = self._rows.pop(user_id, None)
        if row is None:
            return
        last = len(self._ids) - 1
        if row != last:
            moved = self._ids[last]
            self._vectors[:, row] = self._vectors[:, last]
            self._ids[row] = moved
            self._rows[moved] = row
        self._ids.pop()

    def replace_all(self, entries: Iterable[tuple[UUID, FloatRow]]) -> None:
        """Make the index hold exactly `entries` (a periodic rebuild)."""
        ids: list[UUID] = []
        rows: list[FloatRow] = []
        for user_id, vector in entries:
            ids.append(user_id)
            rows.append(vector)
        matrix = np.zeros((DIM, max(1024, 2 * len(ids))), dtype=np.float32)
        if rows:
            matrix[:, : len(rows)] = np.stack(rows, axis=1)
        self._vectors, self._ids = matrix, ids
        self._rows = {user_id: row for row, user_id in enumerate(ids)}

    def top(
        self, query: FloatRow, k: int, *, exclude: Set[UUID] = frozenset()
    ) -> list[tuple[UUID, float]]:
        """The `k` people most similar to `query`, best first, with their scores (0..1);
        exact (every row is scored). Ids in `exclude` are skipped."""
        n = len(self._ids)
        if n == 0 or k <= 0:
            return []
        q = query.astype(np.float32)
        scores = self._vectors[0, :n] * q[0]
        for dim in range(1, DIM):
            scores += self._vectors[dim, :n] * q[dim]
        for user_id in exclude:
            row = self._rows.get(user_id)
            if row is not None:
                scores[row] = -np.inf
        want = min(k, n)
        best = np.argpartition(scores, n - want)[n - want :] if want < n else np.arange(n)
        best = best[np.argsort(-scores[best], kind="stable")]
        return [
            (self._ids[i], min(1.0, max(0.0, float(scores[i]))))
            for i in best
            if scores[i] != -np.inf
        ]
