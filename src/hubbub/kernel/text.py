"""What text hubbub accepts, one rule for every field and both databases.

PostgreSQL refuses U+0000 in text and SQLite stores it; either way it, and the other control
characters, make no sense in a name, a title or an id. So:

- every text field refuses C0/C1 control characters (message text keeps tab, newline and
  carriage return) and lone surrogates (they cannot be encoded as UTF-8 at all);
- names people see (display names, room titles) also refuse the bidirectional formatting
  characters (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F/U+061C): an RLO turns
  "Ann‮gnp.exe" into something else on screen, which is name spoofing;
- a message, a display name or a title made only of invisible characters (spaces,
  zero-width and other format characters, combining marks alone, Hangul fillers, the
  braille blank) is refused: it would show as nothing.
"""

import unicodedata

from hubbub.kernel.errors import Invalid

MULTILINE_ALLOWED = frozenset("\t\n\r")
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
# Letters and symbols that render as blank space although their category says otherwise.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"})


def bad_character(text: str, *, multiline: bool = False, names: bool = False) -> str | None:
    """The first character `text` may not hold (see the module docstring), or None."""
    for char in text:
        category = unicodedata.category(char)
        if category == "Cc" and not (multiline and char in MULTILINE_ALLOWED):
            return char
        if category == "Cs" or (names and char in BIDI_CONTROLS):
            return char
    return None


def check_characters(
    text: str, *, field: str, code: str, multiline: bool = False, names: bool = False
) -> str:
    """`text`, or Invalid naming the field and the offending character."""
    found = bad_character(text, multiline=multiline, names=names)
    if found is not None:
        kind = "bidirectional formatting" if found in BIDI_CONTROLS else "control"
        raise Invalid(
            f"{field}: must not contain {kind} characters (found U+{ord(found):04X})", code=code
        )
    return text


def is_invisible(text: str) -> bool:
    """True when nothing of `text` would show (empty, or only blanks and format marks)."""
    return all(
        char in _BLANK_GLYPHS or unicodedata.category(char) in _INVISIBLE_CATEGORIES
        for char in text
    )
