"""The owner's voice in replies written for them: grammatical gender, how people are
addressed, and the greeting and sign-off they use in a chat. Pure.

Bank replies mark the words that depend on the voice with small templates:
``{m=Понял|f=Поняла|n=Ясно}`` (the owner's own gender: masculine, feminine, or a neutral
wording, the default) and ``{ty=тебе|vy=вам}`` (informal or formal address). A block
without the chosen key renders as nothing ("Давай{vy=те}" → "Давай" / "Давайте").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Gender = Literal["neutral", "feminine", "masculine"]
Address = Literal["auto", "informal", "formal"]
GENDERS: tuple[Gender, ...] = ("neutral", "feminine", "masculine")
ADDRESSES: tuple[Address, ...] = ("auto", "informal", "formal")

_GENDER_KEY = {"masculine": "m", "feminine": "f", "neutral": "n"}
_GENDER_KEYS = frozenset(_GENDER_KEY.values())
_ADDRESS_KEYS = frozenset({"ty", "vy"})
_BLOCK = re.compile(r"\{([a-z]+=[^{}|]*(?:\|[a-z]+=[^{}|]*)*)\}")
# "вы" and its forms addressed to the owner: the other person keeps a formal distance.
_FORMAL = re.compile(r"\b(?:вы|вас|вам|вами|ваш\w*)\b", re.IGNORECASE)
_INFORMAL = re.compile(r"\b(?:ты|тебя|тебе|тобой|твой|твоя|твоё|твои|твоих)\b", re.IGNORECASE)
# Openings and sign-offs a person habitually uses (learned per chat, never invented).
_GREETING = re.compile(
    r"^(hi|hey|hello|hiya|heya|yo|morning|привет|приветик|здравствуй(?:те)?|"
    r"добрый день|доброе утро|хай|салют)\b[^\w]*",
    re.IGNORECASE,
)
_SIGNOFF = re.compile(
    r"[\s,.!—-]+(cheers|best|thanks|xx+|x|love|hugs|обнимаю|целую|спасибо|до связи|пока)"
    r"[\s.!)]*$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Voice:
    """How replies written for the owner sound (the owner's assistant settings)."""

    gender: Gender = "neutral"
    address: Address = "auto"
    learn_style: bool = True


@dataclass(frozen=True, slots=True)
class Style:
    """The greeting and sign-off the owner habitually uses in one chat (None: none seen)."""

    greeting: str | None = None
    signoff: str | None = None


class TemplateError(ValueError):
    """A voice block mixes kinds, or a gender block lacks one of m, f, n."""


def check_template(text: str) -> None:
    """Refuse a malformed voice template (used when a bank is loaded)."""
    for block in _BLOCK.findall(text):
        keys = {part.split("=", 1)[0] for part in block.split("|")}
        if keys <= _ADDRESS_KEYS:
            continue
        if keys != _GENDER_KEYS:
            raise TemplateError(f"voice block {{{block}}}: use m=, f= and n=, or ty=/vy=")


def render(text: str, *, gender: Gender, formal: bool) -> str:
    """The template with the voice's words chosen."""

    def choose(match: re.Match[str]) -> str:
        options = dict(part.split("=", 1) for part in match.group(1).split("|"))
        if options.keys() & _GENDER_KEYS:
            return options.get(_GENDER_KEY[gender], "")
        return options.get("vy" if formal else "ty", "")

    return _BLOCK.sub(choose, text)


def is_formal(voice: Voice, their_lines: Iterable[str]) -> bool:
    """Formal address: as set, or (auto) when the other person says "вы" and never "ты"."""
    if voice.address != "auto":
        return voice.address == "formal"
    text = " ".join(their_lines)
    return bool(_FORMAL.search(text)) and not _INFORMAL.search(text)


def learn_style(owner_lines: Sequence[str]) -> Style:
    """The greeting / sign-off that opens / closes at least two of the owner's own messages,
    and at least half of them."""
    if len(owner_lines) < 2:
        return Style()
    greetings = Counter(_greeting(line) for line in owner_lines)
    signoffs = Counter(_signoff(line) for line in owner_lines)
    return Style(_habit(greetings, len(owner_lines)), _habit(signoffs, len(owner_lines)))


def apply_style(reply: str, style: Style) -> str:
    """The reply opened and closed the way the owner does (its own greeting replaced)."""
    if style.greeting:
        match = _GREETING.match(reply)
        rest = reply[match.end() :] if match else reply
        rest = rest[:1].upper() + rest[1:]
        reply = f"{style.greeting}! {rest}" if rest else f"{style.greeting}!"
    if style.signoff and not _SIGNOFF.search(reply):
        reply = f"{reply} {style.signoff}"
    return reply


def _greeting(line: str) -> str | None:
    match = _GREETING.match(line.strip())
    return match.group(1) if match else None


def _signoff(line: str) -> str | None:
    match = _SIGNOFF.search(line.strip())
    return match.group(1) if match else None


def _habit(counts: Counter[str | None], total: int) -> str | None:
    found = [(n, word) for word, n in counts.items() if word is not None]
    if not found:
        return None
    n, word = max(found)
    return word if n >= 2 and 2 * n >= total else None
