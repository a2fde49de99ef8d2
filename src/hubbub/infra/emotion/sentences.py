"""Cutting a diary entry into the pieces the emotion head reads: sentences (English and
Russian), then consecutive sentences packed into chunks of a bounded size.

Why chunks and not bare sentences: the head was trained on whole entries of one to five
sentences, and a sentence like "Needed that." or "Но она наша." carries no mood without its
neighbour. A short entry is therefore read whole (exactly as in training); a long one is read
a few sentences at a time, and every sentence belongs to exactly one chunk.
"""

import re

# A sentence ends at . ! ? or … (possibly repeated, possibly followed by closing quotes or
# brackets) and whitespace. Whether a full stop really ends one is decided in `_ends_here`.
_CLOSING = "\"'»”’)]"
_BOUNDARY = re.compile(rf"[.!?…]+[{re.escape(_CLOSING)}]*\s+")
_LAST_WORD = re.compile(r"(\w+(?:\.\w+)*)\.$")

# Titles never end a sentence ("Dr. Smith"); other abbreviations end one only before a capital
# ("etc. Then we left" but "т.д. и т.п."). A single letter before a full stop never does
# (initials "А. С. Пушкин", "J. Smith", the spaced "т. е.").
_TITLES = frozenset({"mr", "mrs", "ms", "dr", "prof", "st", "проф", "акад", "доц", "ул", "им"})
_ABBREVIATIONS = frozenset(
    {
        # English
        "vs", "etc", "e.g", "i.e", "a.m", "p.m", "approx", "no", "jan", "feb", "mar", "apr",
        "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "min", "sec",
        # Russian
        "т.е", "т.к", "т.д", "т.п", "т.н", "др", "пр", "гг", "стр", "руб", "коп", "тыс",
        "млн", "млрд", "см", "напр", "кв", "мин", "сек", "обл", "пер", "ср", "рис",
    }
)  # fmt: skip


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, trimmed, in order; line breaks always end a sentence."""
    sentences: list[str] = []
    for line in text.splitlines():
        sentences.extend(_split_line(line))
    return sentences


def chunk_sentences(sentences: list[str], *, max_chars: int) -> list[str]:
    """Consecutive sentences joined into chunks of at most `max_chars` characters (a longer
    sentence is cut at word boundaries into pieces of at most `max_chars`, so no chunk costs
    the embedder more than a bounded number of tokens); `max_chars` 0 gives one sentence
    per chunk."""
    if max_chars > 0:
        sentences = [piece for s in sentences for piece in cut_long(s, max_chars=max_chars)]
    chunks: list[str] = []
    current = ""
    for sentence in sentences:
        if current and len(current) + 1 + len(sentence) <= max_chars:
            current = f"{current} {sentence}"
            continue
        if current:
            chunks.append(current)
        current = sentence
    if current:
        chunks.append(current)
    return chunks


def cut_long(sentence: str, *, max_chars: int) -> list[str]:
    """`sentence` in pieces of at most `max_chars` characters, cut after the last whitespace
    that fits (a run without any, such as a long URL or "aaaa…", is cut where it must)."""
    pieces: list[str] = []
    rest = sentence
    while len(rest) > max_chars:
        cut = rest.rfind(" ", 1, max_chars + 1)
        if cut <= 0:
            cut = max_chars
        pieces.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        pieces.append(rest)
    return [piece for piece in pieces if piece]


def sample_evenly(chunks: list[str], *, limit: int) -> list[str]:
    """At most `limit` of `chunks`, spread evenly from the first to the last: a very long
    entry is read in a bounded time (the mood of its beginning, middle and end) instead of
    holding the analyser for minutes."""
    if len(chunks) <= limit:
        return chunks
    if limit == 1:
        return [chunks[0]]
    step = (len(chunks) - 1) / (limit - 1)
    return [chunks[round(i * step)] for i in range(limit)]


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(line):
        if not _ends_here(line, match):
            continue
        piece = line[start : match.end()].strip()
        if piece:
            pieces.append(piece)
        start = match.end()
    rest = line[start:].strip()
    if rest:
        pieces.append(rest)
    return pieces


def _ends_here(line: str, match: re.Match[str]) -> bool:
    punctuation = match.group().rstrip()
    following = line[match.end() : match.end() + 1]
    if punctuation.startswith(("…", "..")):
        # "I don't know... maybe tomorrow" goes on; "Ugh... Mondays again." does not.
        return following.isupper() or following.isdigit()
    if punctuation[-1] in _CLOSING and (following.islower() or following in "—–-"):
        return False  # direct speech goes on: «Ты серьёзно?» — спросила она. "Really?" he asked.
    if not punctuation.startswith("."):
        return True
    word = _LAST_WORD.search(line[: match.start() + 1])
    if word is None:
        return True
    token = word.group(1).lower()
    if len(token) == 1 and token.isalpha():
        return False
    if token in _TITLES:
        return False
    return token not in _ABBREVIATIONS or following.isupper()
