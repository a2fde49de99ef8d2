"""Chat messages for an OpenAI-compatible model, and the cleaning of what it answers.

Pure functions, so the wording can be tested without a server. Small local models follow
plain, short instructions best, and some local chat templates reject two messages of the
same role in a row or a conversation that does not end with the user: the messages built
here alternate roles and always end with a user message.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hubbub.contexts.assistant.ports import Prompt, Turn

Message = dict[str, str]

MAX_TURNS = 20
MAX_TRANSCRIPT_CHARS = 6000
MAX_MEMORY_ITEMS = 5
MAX_MEMORY_CHARS = 1500
MAX_ANSWER_CHARS = 4096  # what one chat message may hold

ADVICE_SYSTEM = (
    "You are {owner}'s private assistant in a chat app. You read {owner}'s conversation "
    "and advise {owner} on how to handle it. Answer in one or two short sentences and say "
    "briefly why. Write in the language of the conversation. Speak only to {owner}: never "
    "address the other people in the chat. No preamble, no greeting, no lists. "
    "Read the whole conversation in order and keep straight who said what: whether "
    "someone is upset with {owner} or upset about something else, whether they invite "
    "{owner} or thank {owner} for coming, whether the news is {owner}'s or theirs. Earlier "
    "news (a loss, an illness, bad news) changes what a later line means. Do not repeat "
    "your earlier advice."
)
AUTOREPLY_SYSTEM = (
    "You write {owner}'s next message in a chat, as {owner}, in {owner}'s own voice. "
    "Keep it short and natural, like a real chat message, in the same language as the "
    "conversation. Write only the message itself: no quotes, no name prefix, no "
    "explanation. Never mention being an AI or an assistant. Never invent facts, times, "
    "places, amounts or promises: when the answer needs {owner}'s own knowledge or "
    "decision (a time, a place, yes or no to a plan, money, a favour, an opinion), write "
    "only that {owner} will check and get back to them soon.{voice}"
)
_GENDER = {
    "feminine": " {owner} is a woman: use feminine forms for {owner}'s own words.",
    "masculine": " {owner} is a man: use masculine forms for {owner}'s own words.",
    "neutral": " Avoid gendered forms in {owner}'s own words (in Russian, no past-tense "
    "verbs or short adjectives about {owner}: «ясно», not «понял»).",
}
_ADDRESS = {
    "formal": " Address the other person formally (in Russian: «вы»).",
    "informal": " Address the other person informally (in Russian: «ты»).",
    "auto": " Address the other person the way they address {owner}.",
}

_THINKING = re.compile(r"<think>.*?</think>", re.DOTALL | re.IGNORECASE)
_QUOTES = {'"': '"', "'": "'", "“": "”", "„": "“", "«": "»", "‘": "’", "`": "`"}


def build_messages(prompt: Prompt, max_chars: int = MAX_TRANSCRIPT_CHARS) -> list[Message]:
    """The chat messages for `prompt`: a system prompt per kind, then the conversation."""
    owner = prompt.owner_name
    turns = recent_turns(prompt.turns, max_chars=max_chars)
    if prompt.kind == "advice":
        return [
            {"role": "system", "content": ADVICE_SYSTEM.format(owner=owner)},
            {"role": "user", "content": advice_request(owner, turns, prompt.memory)},
        ]
    messages: list[Message] = [
        {"role": "assistant", "content": t.text}
        if t.from_owner
        else {"role": "user", "content": f"{t.author}: {t.text}"}
        for t in turns
    ]
    # Templates such as Mistral's insist that the conversation starts and ends with the user.
    if messages and messages[0]["role"] == "assistant":
        messages.insert(0, {"role": "user", "content": f"({owner} started this chat.)"})
    if not messages or messages[-1]["role"] == "assistant":
        messages.append({"role": "user", "content": f"(Write {owner}'s next message.)"})
    voice = _GENDER[prompt.voice.gender] + _ADDRESS[prompt.voice.address]
    content = AUTOREPLY_SYSTEM.format(owner=owner, voice=voice.format(owner=owner))
    system = {"role": "system", "content": content}
    return [system, *merge_same_role(messages)]


def advice_request(owner: str, turns: Sequence[Turn], memory: Sequence[str]) -> str:
    """The one user message of an advice request: transcript, earlier advice, instruction."""
    lines = [f"The chat so far, oldest first; {owner}'s own lines are marked (owner):"]
    for turn in turns:
        mark = ""
        if turn.from_owner:
            mark = " (owner, sent by the auto-reply)" if turn.ai_generated else " (owner)"
        lines.append(f"{turn.author}{mark}: {turn.text}")
    if not turns:
        lines.append("(no messages yet)")
    earlier = recent_memory(memory)
    if earlier:
        lines += ["", "Your earlier advice in this chat, oldest first:"]
        lines += [f"- {item}" for item in earlier]
    lines += [
        "",
        f"Advise {owner} on how to handle this conversation now: one or two short sentences "
        "with a brief reason, in the language of the conversation.",
    ]
    return "\n".join(lines)


def recent_turns(
    turns: Sequence[Turn], max_turns: int = MAX_TURNS, max_chars: int = MAX_TRANSCRIPT_CHARS
) -> list[Turn]:
    """The latest turns that fit the budget, oldest first (always at least the latest one)."""
    kept: list[Turn] = []
    used = 0
    for turn in reversed(turns[-max_turns:]):
        cost = len(turn.author) + len(turn.text) + 3
        if kept and used + cost > max_chars:
            break
        kept.append(turn)
        used += cost
    if kept and used > max_chars:  # a single huge line: its start carries the context
        only = kept[0]
        kept[0] = Turn(only.author, only.from_owner, only.text[:max_chars], only.ai_generated)
    return kept[::-1]


def recent_memory(
    memory: Sequence[str], max_items: int = MAX_MEMORY_ITEMS, max_chars: int = MAX_MEMORY_CHARS
) -> list[str]:
    """The latest earlier advice that fits the budget, oldest first."""
    kept: list[str] = []
    used = 0
    for raw in reversed(memory[-max_items:]):
        item = " ".join(raw.split())
        if not item:
            continue
        if used + len(item) > max_chars:
            break
        kept.append(item)
        used += len(item)
    return kept[::-1]


def merge_same_role(messages: Sequence[Message]) -> list[Message]:
    """Join consecutive messages of one role (local servers often require alternation)."""
    merged: list[Message] = []
    for message in messages:
        if merged and merged[-1]["role"] == message["role"]:
            last = merged[-1]
            merged[-1] = {
                "role": last["role"],
                "content": f"{last['content']}\n{message['content']}",
            }
        else:
            merged.append(dict(message))
    return merged


def clean_answer(raw: str, owner_name: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """The model's answer without echoed prefixes, wrapping quotes or reasoning; "" if none."""
    text = _THINKING.sub("", raw).strip()
    prefix = _prefix_pattern(owner_name)
    # A prefix can sit inside the quotes or outside them: peel until nothing changes.
    for _ in range(4):
        before = text
        text = _unquote(prefix.sub("", text, count=1).strip()).strip()
        if text == before:
            break
    return cut(text, limit)


def cut(text: str, limit: int = MAX_ANSWER_CHARS) -> str:
    """`text` within `limit` characters, cut at a word boundary and marked with an ellipsis."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    boundary = max(head.rfind(" "), head.rfind("\n"))
    if boundary >= limit // 2:  # one enormous "word" is cut where it is
        head = head[:boundary]
    return head.rstrip() + "…"


def _prefix_pattern(owner_name: str) -> re.Pattern[str]:
    names = [re.escape(name) for name in (owner_name.strip(), "assistant", "ai") if name]
    return re.compile(rf"^[*_]*(?:{'|'.join(names)})[*_]*\s*:[*_]*\s*", re.IGNORECASE)


def _unquote(text: str) -> str:
    if len(text) < 2 or text[0] not in _QUOTES or text[-1] != _QUOTES[text[0]]:
        return text
    inner = text[1:-1]
    # A quote inside that is not an apostrophe (don't, l'eau) means the ends are not a pair.
    for mark in {text[0], text[-1]}:
        if re.search(rf"(?<!\w){re.escape(mark)}|{re.escape(mark)}(?!\w)", inner):
            return text
    return inner
