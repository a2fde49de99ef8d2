"""What text hubbub accepts, one rule for every field and both databases.

PostgreSQL refuses U+0000 in text and SQLite stores it; either way it, and the other control
characters, make no sense in a name, a title or an id. So:

- every text field refuses C0/C1 control characters (message text keeps tab, newline and
  carriage return) and lone surrogates (they cannot be encoded as UTF-8 at all);
- names people see (display names, room titles) also refuse the bidirectional formatting
  characters (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F/U+061C): an RLO turns
  "Ann‮gnp.exe" into something else on screen, which is name spoofing;
- a message, a display name or a title made only of invisible characters (spaces, control
  and format characters such as the zero-width ones, Hangul fillers, the braille blank,
  variation selectors) is refused: it would show as nothing.

Message text is 1–4096 characters once trimmed; the other lengths are counted as sent. The
same rules are written as JSON Schema patterns (`*_PATTERN`) so that the OpenAPI document
says exactly what is accepted.
"""

from hubbub.kernel.errors import Invalid

MULTILINE_ALLOWED = frozenset("\t\n\r")
BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
)
_CONTROL_RANGES = ((0x00, 0x1F), (0x7F, 0x9F))
# Code points that show as nothing: categories Cc, Cf, Zs, Zl, Zp, and the letters, marks
# and symbols that render blank (U+034F, U+115F/1160, U+17B4/17B5, U+2800, U+3164, U+FFA0,
# variation selectors). Listed rather than looked up so that the rule (and the pattern made
# from it) is the same on every Python; tests/unit/kernel checks it against unicodedata.
INVISIBLE_RANGES: tuple[tuple[int, int], ...] = (
    (0x0000, 0x0020), (0x007F, 0x00A0), (0x00AD, 0x00AD), (0x034F, 0x034F),
    (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD), (0x070F, 0x070F),
    (0x0890, 0x0891), (0x08E2, 0x08E2), (0x115F, 0x1160), (0x1680, 0x1680),
    (0x17B4, 0x17B5), (0x180E, 0x180E), (0x2000, 0x200F), (0x2028, 0x202F),
    (0x205F, 0x2064), (0x2066, 0x206F), (0x2800, 0x2800), (0x3000, 0x3000),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0),
    (0xFFF9, 0xFFFB), (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
    (0xE0100, 0xE01EF),
)  # fmt: skip
_INVISIBLE = frozenset(c for low, high in INVISIBLE_RANGES for c in range(low, high + 1))


def bad_character(text: str, *, multiline: bool = False, names: bool = False) -> str | None:
    """The first character `text` may not hold (see the module docstring), or None."""
    for char in text:
        code = ord(char)
        if code <= 0x9F and (code <= 0x1F or code >= 0x7F):
            if not (multiline and char in MULTILINE_ALLOWED):
                return char
        elif 0xD800 <= code <= 0xDFFF or (names and char in BIDI_CONTROLS):
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
    return all(ord(char) in _INVISIBLE for char in text)


# -- the same rules as JSON Schema patterns (Python and ECMAScript read them alike for the
# basic plane; the few invisible characters beyond it are left to the server's check) ----


def _class(ranges: list[tuple[int, int]]) -> str:
    return "".join(
        f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}" for low, high in ranges
    )


_BMP_INVISIBLE = _class([(lo, hi) for lo, hi in INVISIBLE_RANGES if hi <= 0xFFFF])
_CONTROLS = _class(list(_CONTROL_RANGES))
_CONTROLS_BUT_LINES = _class([(0x00, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x7F, 0x9F)])
_BIDI = _class(sorted((ord(c), ord(c)) for c in BIDI_CONTROLS))
_VISIBLE = f"[\\s\\S]*[^{_BMP_INVISIBLE}]"

# Only lookaheads, no `$`: Python's `$` also matches before a final newline, which would let
# "name\n" pass the pattern while the server refuses it.
PLAIN_PATTERN = f"^(?![\\s\\S]*[{_CONTROLS}])"
"""Single-line text: no control characters."""
TEXT_PATTERN = (
    f"^(?![\\s\\S]*[{_CONTROLS_BUT_LINES}])(?={_VISIBLE})\\s*(?:\\S|\\S[\\s\\S]{{0,4094}}\\S)\\s*$"
)
"""Message text: something visible, 1–4096 characters once trimmed; tab and line breaks the
only control characters."""
TEXT_OR_BLANK_PATTERN = f"^(?:\\s*$|{TEXT_PATTERN[1:]})"
"""Message text that may also be blank (a message that carries files)."""
NAME_PATTERN = f"^(?![\\s\\S]*[{_CONTROLS}{_BIDI}])(?={_VISIBLE})"
"""A title: something visible; no control or bidirectional formatting characters."""
OPTIONAL_NAME_PATTERN = f"^(?![\\s\\S]*[{_CONTROLS}{_BIDI}])(?:\\s*$|(?={_VISIBLE}))"
"""A display name: like a title, or blank (the username is used then)."""
EMAIL_PATTERN = f"^(?![\\s\\S]*[{_CONTROLS}])[^@\\s]{{1,64}}@[^@\\s]{{1,255}}(?![\\s\\S])"
"""An email address as accepted: one @, no spaces or control characters."""
