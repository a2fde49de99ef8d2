"""What a conversation asks of the owner now: the rules over the scored lines.

The assistant reads the conversation, not a line: who said what, in order, as the owner sees
it. These rules decide which line matters and what the earlier ones change:

- **What is unanswered.** The other person's lines since the owner last wrote themself
  (an autoreply does not count as an answer), at most ``PENDING``. "hey" then "can you lend
  me 50?" is a money question, not a greeting.
- **The line that matters most** among them: crisis, then scams, emergencies, sensitive
  moments (grief, reproach, health, distress); otherwise the latest line whose intent is
  clear ("can we move to Thursday?" then "🙏" is about Thursday).
- **News that changes the next line.** A sensitive line among the recent ones (``RECENT``)
  makes what follows sensitive too: "how am I going to pay rent" right after "I lost my
  job" is not a money request, and nothing is auto-sent.
- **Whose news it is.** Right after the owner's own news ("we're engaged!"), a cheerful
  line of theirs congratulates the owner: it is not their engagement, and not a proposal
  ("drinks on you!" after the owner's promotion).
- **A repeated question.** A question asked again (or "hello? you there?") while an earlier
  one is unanswered: the owner is told they are still waiting, and a second holding answer
  is not sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from hubbub.contexts.assistant.banks import Bank, Mode, Tone
from hubbub.contexts.assistant.reading import Reading
from hubbub.contexts.assistant.safety import Alarm, alarm

PENDING = 4  # unanswered lines considered
RECENT = 6  # lines whose sensitive news still colours the next one
NUDGES = frozenset({"are_you_there", "nudge"})
# Intents that are news, read on the owner's own line: a cheerful answer congratulates them.
NEWS = frozenset({"good_news", "engagement_wedding", "baby_news", "new_home", "congratulations"})
# What a cheerful answer to the owner's news may be misread as.
CHEERS = NEWS | {"compliment", "good_luck_wish", "invitation", "miss_you", "their_birthday"}
SENSITIVE_TIER = 3  # crisis 0, scam 1, urgent 2, the other `never` intents 3
# Sensitive intents whose news colours what follows (not a reproach: that is about the
# line itself, and not the owner's own condolences received).
STICKY = frozenset(
    {"bad_news", "condolence", "health_news", "sick", "sad_hurt", "stress_overwhelmed",
     "worry_fear", "urgent", "crisis"}
)  # fmt: skip
_QUESTION = re.compile(
    r"\?|^(?:what|when|where|which|who|how|why|can|could|would|will|do|does|did|are|is|"
    r"any|shall|should|что|когда|где|куда|какой|какая|какие|кто|как|почему|зачем|можно|"
    r"сможешь|можешь|ты|вы|а ты|а вы)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Line:
    """A conversation line, oldest first; ``from_owner`` = written by the binding owner (or
    for them: ``ai_generated``)."""

    from_owner: bool
    text: str
    ai_generated: bool = False


@dataclass(frozen=True)
class Focus:
    """What the conversation asks of the owner now."""

    language: str
    reading: Reading | None = None  # the line that matters most; None: nothing unanswered
    intent: str | None = None  # its intent, clear at the bar it was read with
    alarm: Alarm | None = None
    sticky: str | None = None  # an earlier sensitive intent that colours this line
    repeat: str | None = None  # the earlier unanswered question this line repeats
    held: bool = False  # a holding answer already went out since the owner last wrote
    question: bool = False  # the line asks something
    ruled: bool = False  # a conversation rule, not the line alone, chose the intent
    their_lines: tuple[str, ...] = ()  # the other person's recent lines (for the voice)
    owner_lines: tuple[str, ...] = ()  # the owner's own lines (for the style)


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text.strip()))


def understand(
    lines: Sequence[Line],
    language: str,
    bank: Bank,
    read: Callable[[str], Reading],
    threshold: float,
    margin: float,
) -> Focus:
    """The focus of the conversation for the owner, reading lines at this bar."""
    last_own = max((i for i, line in enumerate(lines) if _by_owner_self(line)), default=-1)
    after = lines[last_own + 1 :]
    pending = [line for line in after if not line.from_owner and line.text.strip()][-PENDING:]
    base = Focus(
        language=language,
        their_lines=tuple(line.text for line in lines if not line.from_owner),
        owner_lines=tuple(line.text for line in lines if _by_owner_self(line)),
    )
    if not pending:
        return base
    readings = [read(line.text) for line in pending]
    intents = [r.clear(threshold, margin) for r in readings]
    chosen = min(range(len(intents)), key=lambda n: _rank(bank, intents[n], n))
    focus_intent = intents[chosen]
    raised = alarm([line.text for line in pending])
    sticky = None
    if focus_intent is None or bank.intents[focus_intent].mode is not Mode.NEVER:
        sticky = _sticky(lines, pending[chosen], read, threshold, margin)
    ruled = False
    if _owner_news(lines, last_own, read, threshold, margin) and _cheers(
        readings[chosen], focus_intent
    ):
        focus_intent, ruled = "congratulations", True
    repeat = None
    asks = is_question(pending[chosen].text) or focus_intent in NUDGES
    if asks:
        earlier = [p.text for n, p in enumerate(pending) if n < chosen and is_question(p.text)]
        repeat = earlier[0] if earlier else None
    return replace(
        base,
        reading=readings[chosen],
        intent=focus_intent,
        alarm=raised,
        sticky=sticky,
        repeat=repeat,
        held=any(line.from_owner and line.ai_generated for line in after),
        question=asks,
        ruled=ruled,
    )


def _owner_news(
    lines: Sequence[Line],
    last_own: int,
    read: Callable[[str], Reading],
    threshold: float,
    margin: float,
) -> bool:
    """The owner's last own line is news of theirs ("got the promotion!!")."""
    if last_own < 0:
        return False
    return read(lines[last_own].text).clear(threshold, margin) in NEWS - {"congratulations"}


def _cheers(reading: Reading, intent: str | None) -> bool:
    """A cheerful line, or one read as a cheerful intent that only fits the news."""
    if intent is not None:
        return intent in CHEERS
    return reading.tone is Tone.POSITIVE


def _by_owner_self(line: Line) -> bool:
    return line.from_owner and not line.ai_generated


def _rank(bank: Bank, intent: str | None, position: int) -> tuple[int, int, int]:
    """Sensitive lines first (crisis before scams before emergencies before the rest), then
    the latest clear line, then the latest line."""
    tier = _tier(bank, intent)
    if tier <= SENSITIVE_TIER:
        return (0, tier, -position)
    return (1 if intent is not None else 2, 0, -position)


def _tier(bank: Bank, intent: str | None) -> int:
    if intent is None:
        return 9
    if intent in ("crisis", "scam", "urgent"):
        return ("crisis", "scam", "urgent").index(intent)
    mode = bank.intents[intent].mode
    return {Mode.NEVER: 3, Mode.HOLD: 4, Mode.ANSWER: 5, Mode.SILENT: 6}[mode]


def _sticky(
    lines: Sequence[Line],
    focus: Line,
    read: Callable[[str], Reading],
    threshold: float,
    margin: float,
) -> str | None:
    """The latest sensitive intent among the other person's recent lines before `focus`."""
    recent = list(lines[-RECENT:])
    before = recent[: recent.index(focus)] if focus in recent else recent
    for line in reversed(before):
        if line.from_owner or not line.text.strip():
            continue
        intent = read(line.text).clear(threshold, margin)
        if intent in STICKY:
            return intent
    return None
