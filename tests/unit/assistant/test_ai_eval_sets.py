"""The fresh evaluation sets keep their shape, and no held-out line is a bank trigger."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

from hubbub.contexts.assistant import load_banks

EVAL = Path(__file__).resolve().parents[3] / "bench" / "ai_eval"
sys.path.insert(0, str(EVAL))
import judge  # type: ignore[import-not-found]  # noqa: E402  (bench/ai_eval/judge.py)

LABELS = set(yaml.safe_load((EVAL / "labels.yaml").read_text(encoding="utf-8")))


@pytest.mark.parametrize("split", sorted(judge.SETS))
def test_a_fresh_set_is_balanced_and_a_third_multi_turn(split: str) -> None:
    conversations = judge.load(judge.SETS[split], LABELS)  # unknown labels, ids, shapes fail
    english = sum(conv.language == "en" for conv in conversations)
    assert english * 2 == len(conversations) or split == "heldout"  # round 1: 76 / 75
    assert 3 * sum(len(conv.lines) > 1 for conv in conversations) >= len(conversations) or (
        split.startswith("dev")
    )
    assert any(conv.safety == "scam" for conv in conversations)


@pytest.mark.parametrize("split", ["heldout2"])
def test_no_incoming_held_out_line_is_a_bank_trigger(split: str) -> None:
    """The other person's lines are what is judged. (One owner's line of heldout2, "we're
    engaged!!", is a round-1 trigger: written without reading the bank, kept, and said in
    bench/RESULTS.md.)"""
    banks = load_banks()
    triggers = {
        t.casefold().strip()
        for bank in banks.by_language.values()
        for intent in bank.intents.values()
        for t in intent.triggers
    }
    lines = [
        line.split(":", 1)[1].strip().casefold()
        for conv in judge.load(judge.SETS[split], LABELS)
        for line in conv.lines
        if line.startswith("them:")
    ]
    assert not [line for line in lines if line in triggers]
