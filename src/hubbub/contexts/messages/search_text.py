"""Search text rules, pure: words, their stems, stop words, and highlights.

Both databases index the same thing: each message's words, stemmed here by the Snowball
stemmers (`snowballstemmer`, C-accelerated by PyStemmer), Russian for words in Cyrillic and
English for the rest, without Snowball's stop words. So "встречи" finds "встреча" and
"meetings" finds "meeting" on SQLite (FTS5 over the stems) and on PostgreSQL (a `simple`
tsvector of the stems) alike, ranking aside; neither engine ships a Russian stemmer for both.
"""

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import snowballstemmer

WORD = re.compile(r"\w+")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
MAX_WORD = 64
MAX_QUERY_WORDS = 16
SNIPPET_CHARS = 160


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    words: set[str] = set()
    for name in ("english.txt", "russian.txt"):
        text = resources.files("hubbub.contexts.messages.stopwords").joinpath(name).read_text()
        for line in text.splitlines():
            if not line.startswith("#"):
                words.update(line.split())
    return frozenset(words)


@lru_cache(maxsize=1)
def _stemmers() -> tuple[snowballstemmer.Stemmer, snowballstemmer.Stemmer]:
    return snowballstemmer.stemmer("english"), snowballstemmer.stemmer("russian")


def _normal(word: str) -> str:
    return word.casefold().replace("ё", "е")


@lru_cache(maxsize=65536)
def stem(word: str) -> str | None:
    """The stem of one word (already normalised), or None for a stop word or a giant."""
    if word in _stop_words() or len(word) > MAX_WORD:
        return None
    english, russian = _stemmers()
    chosen = russian if CYRILLIC.search(word) else english
    return str(chosen.stemWord(word))


def stems(text: str) -> list[str]:
    """The stems of `text`'s words, in order (what is indexed)."""
    found = []
    for match in WORD.finditer(text):
        stemmed = stem(_normal(match.group()))
        if stemmed is not None:
            found.append(stemmed)
    return found


def document(text: str) -> str:
    """What the index holds for a message: its stems, space-separated."""
    return " ".join(stems(text))


def query_stems(query: str) -> list[str]:
    """The distinct stems of a query, in order (every one must match); [] when the query has
    only stop words and punctuation."""
    seen: dict[str, None] = {}
    for word in stems(query)[:MAX_QUERY_WORDS]:
        seen.setdefault(word, None)
    return list(seen)


@dataclass(frozen=True, slots=True)
class Highlight:
    html: str  # escaped text with <mark>…</mark> around matching words
    matched: bool


def highlight(text: str, wanted: list[str]) -> Highlight:
    """A snippet of `text` around the first match, HTML-escaped, matching words in <mark>."""
    wanted_set = set(wanted)
    spans = [
        m.span()
        for m in WORD.finditer(text)
        if (stemmed := stem(_normal(m.group()))) is not None and stemmed in wanted_set
    ]
    if not spans:
        return Highlight(html.escape(_cut(text, 0)), False)
    start = max(0, spans[0][0] - SNIPPET_CHARS // 4)
    if start:  # start at a word boundary
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < spans[0][0] else start
    end = min(len(text), start + SNIPPET_CHARS)
    out, cursor = [], start
    for begin, finish in spans:
        if begin < start or finish > end:
            continue
        out += [html.escape(text[cursor:begin]), "<mark>", html.escape(text[begin:finish])]
        out.append("</mark>")
        cursor = finish
    out.append(html.escape(text[cursor:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return Highlight(prefix + "".join(out) + suffix, True)


def _cut(text: str, start: int) -> str:
    piece = text[start : start + SNIPPET_CHARS]
    return piece + ("…" if len(text) > start + SNIPPET_CHARS else "")
