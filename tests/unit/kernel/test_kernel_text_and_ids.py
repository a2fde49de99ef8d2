"""One rule for text and one spelling for ids, whatever the field and the database."""

import re
import sys
import unicodedata
from uuid import UUID

import pytest
from pydantic import TypeAdapter, ValidationError

from hubbub.kernel.errors import Invalid
from hubbub.kernel.ids import Id, parse_id
from hubbub.kernel.params import QueryBool
from hubbub.kernel.text import (
    EMAIL_PATTERN,
    INVISIBLE_RANGES,
    NAME_PATTERN,
    OPTIONAL_NAME_PATTERN,
    PLAIN_PATTERN,
    TEXT_PATTERN,
    bad_character,
    check_characters,
    is_invisible,
)

CANONICAL = "0193a1f2-3b4c-7d5e-8f60-718293a4b5c6"


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f", "\ud800"])
def test_control_characters_and_lone_surrogates_are_refused_everywhere(char: str) -> None:
    assert bad_character(f"a{char}b") == char
    assert bad_character(f"a{char}b", multiline=True) == char
    with pytest.raises(Invalid, match=r"name: must not contain .* \(found U\+") as caught:
        check_characters(f"a{char}b", field="name", code="invalid_name")
    assert caught.value.status == 422
    assert caught.value.code == "invalid_name"


@pytest.mark.parametrize("char", ["\t", "\n", "\r"])
def test_multiline_text_keeps_tabs_and_line_breaks(char: str) -> None:
    assert bad_character(f"a{char}b", multiline=True) is None
    assert bad_character(f"a{char}b") == char


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u200f"])
def test_names_refuse_bidirectional_formatting(char: str) -> None:
    assert bad_character(f"Ann{char}gnp.exe", names=True) == char
    assert bad_character(f"Ann{char}gnp.exe") is None  # a message may hold them
    with pytest.raises(Invalid, match="bidirectional"):
        check_characters(f"Ann{char}", field="display_name", code="x", names=True)


@pytest.mark.parametrize(
    "text", ["", " ", "\u200b\u200b", "\u2060", "\ufeff", "\u3164", "\u2800", "\u034f", "\u00a0"]
)
def test_invisible_text(text: str) -> None:
    assert is_invisible(text)


@pytest.mark.parametrize("text", ["a", "\u200bx", "😀", "привет", "שלום", "\u0301e", "\u0301"])
def test_visible_text(text: str) -> None:
    assert not is_invisible(text)


def test_the_invisible_characters_are_the_blank_categories_and_glyphs() -> None:
    """The listed ranges are categories Cc, Cf, Zs, Zl, Zp plus the blank glyphs, as this
    Python's Unicode database has them."""
    blank = set("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")
    blank |= {chr(c) for c in (*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0))}
    expected = {
        code
        for code in range(sys.maxunicode + 1)
        if not 0xD800 <= code <= 0xDFFF
        and (
            unicodedata.category(chr(code)) in {"Cc", "Cf", "Zs", "Zl", "Zp"} or chr(code) in blank
        )
    }
    listed = {code for low, high in INVISIBLE_RANGES for code in range(low, high + 1)}
    assert listed == expected


@pytest.mark.parametrize(
    ("pattern", "accepted", "refused"),
    [
        (PLAIN_PATTERN, ["abc", "", "héllo wörld"], ["a\x00", "abc\n", "\x85"]),
        (
            TEXT_PATTERN,
            ["hi", "a\n\tb\r\n", "\u200bx", "x" * 4096, f"  {'x' * 4096}\n "],
            ["", " ", "\u200b", "a\x00", "a\x0b", "x" * 4097, f" {'x' * 4097} "],
        ),
        (NAME_PATTERN, ["Team", " A "], ["", "  ", "T\u202e", "T\n", "\u3164"]),
        (OPTIONAL_NAME_PATTERN, ["", "   ", "Ann"], ["\u200b", "A\u2066", "A\x1c", "\x1c"]),
        (EMAIL_PATTERN, ["a@b.org"], ["a@b\n", " a@b", "a\x00@b", "a@@b", "ab"]),
    ],
)
def test_the_schema_patterns_say_what_the_rules_do(
    pattern: str, accepted: list[str], refused: list[str]
) -> None:
    """The OpenAPI patterns (read as JSON Schema does: a search) agree with the checks."""
    for text in accepted:
        assert re.search(pattern, text), text
    for text in refused:
        assert not re.search(pattern, text), text


def test_an_id_has_one_spelling() -> None:
    assert parse_id(CANONICAL) == UUID(CANONICAL)
    adapter = TypeAdapter(Id)
    assert adapter.validate_python(CANONICAL) == UUID(CANONICAL)
    for spelling in (
        CANONICAL.upper(),
        "{" + CANONICAL + "}",
        "urn:uuid:" + CANONICAL,
        CANONICAL.replace("-", ""),
        f" {CANONICAL}",
        f"{CANONICAL}\n",
    ):
        assert parse_id(spelling) is None
        with pytest.raises(ValidationError, match="lowercase hyphenated"):
            adapter.validate_python(spelling)
    assert parse_id(None) is None


def test_query_booleans_are_true_or_false_only() -> None:
    adapter = TypeAdapter(QueryBool)
    assert adapter.validate_python("true") is True
    assert adapter.validate_python("false") is False
    for other in ("1", "0", "yes", "on", "True", ""):
        with pytest.raises(ValidationError):
            adapter.validate_python(other)
