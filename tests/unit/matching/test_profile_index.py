"""The in-memory profile index: exact top-k, in-place replace, swap-remove, rebuild."""

import numpy as np

from hubbub.contexts.matching.index import ProfileIndex
from hubbub.contexts.matching.model import DIM, encode
from hubbub.kernel.ids import new_id


def random_unit(rng: np.random.Generator, n: int) -> np.ndarray:  # type: ignore[type-arg]
    rows = rng.random((n, DIM)).astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_top_is_the_exact_top_k_of_a_brute_force_scan() -> None:
    rng = np.random.default_rng(7)
    rows = random_unit(rng, 3000)
    ids = [new_id() for _ in rows]
    index = ProfileIndex(capacity=4)  # grows as it fills
    for user_id, row in zip(ids, rows, strict=True):
        index.put(user_id, row)
    query = random_unit(rng, 1)[0]

    found = index.top(query, 10, exclude={ids[0]})

    scores = rows @ query
    scores[0] = -1
    expected = [ids[i] for i in np.argsort(-scores)[:10]]
    assert [user_id for user_id, _ in found] == expected
    assert all(0 <= s <= 1 for _, s in found)
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_replace_remove_and_rebuild_keep_rows_and_ids_together() -> None:
    a, b, c = new_id(), new_id(), new_id()
    index = ProfileIndex()
    index.put(a, encode([1, 0, 0, 0, 0, 0], 1.0))
    index.put(b, encode([0, 1, 0, 0, 0, 0], -1.0))
    index.put(c, encode([0, 0, 1, 0, 0, 0], -1.0))

    index.remove(a)  # c moves into a's row
    index.remove(a)  # twice: nothing happens
    index.put(b, encode([1, 0, 0, 0, 0, 0], 1.0))

    assert len(index) == 2 and a not in index
    best = index.top(encode([1, 0, 0, 0, 0, 0], 1.0), 5)
    assert [user_id for user_id, _ in best] == [b, c]
    assert best[0][1] > 0.99

    index.replace_all([(c, encode([0, 0, 1, 0, 0, 0], 0.0))])
    assert len(index) == 1 and b not in index
    assert index.top(encode([0, 0, 1, 0, 0, 0], 0.0), 3)[0][0] == c
    assert ProfileIndex().top(encode([0, 0, 1, 0, 0, 0], 0.0), 3) == []
