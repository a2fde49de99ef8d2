"""One rule for text and one spelling for ids, whatever the field and the database."""

from uuid import UUID

import pytest
from pydantic import TypeAdapter, ValidationError

from hubbub.kernel.errors import Invalid
from hubbub.kernel.ids import Id, parse_id
from hubbub.kernel.params import QueryBool
from hubbub.kernel.text import bad_character, check_characters, is_invisible

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
    "text", ["", " ", "\u200b\u200b", "\u2060", "\ufeff", "\u3164", "\u2800", "\u0301", "\u00a0"]
)
def test_invisible_text(text: str) -> None:
    assert is_invisible(text)


@pytest.mark.parametrize("text", ["a", "\u200bx", "😀", "привет", "שלום", "\u0301e"])
def test_visible_text(text: str) -> None:
    assert not is_invisible(text)


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
