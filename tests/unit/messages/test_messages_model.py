"""Message rules."""

import pytest

from hubbub.contexts.messages import model
from hubbub.contexts.messages.model import Draft
from hubbub.kernel.errors import Invalid
from hubbub.kernel.ids import new_id


@pytest.mark.parametrize(
    ("text", "kept"),
    [("hi", "hi"), ("  hi \n", "hi"), (" " + "x" * 4096 + "\t", "x" * 4096)],
)
def test_text_is_trimmed_and_may_reach_4096_characters(text: str, kept: str) -> None:
    assert model.check_text(text) == kept


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "invalid_text"),
        (" \n\t ", "invalid_text"),
        ("x" * 4097, "text_too_long"),
        (5, "invalid_text"),
    ],
)
def test_empty_overlong_or_non_string_text_is_invalid(text: object, code: str) -> None:
    with pytest.raises(Invalid) as caught:
        model.check_text(text)
    assert caught.value.code == code


@pytest.mark.parametrize("request_id", [None, "r", "x" * 100])
def test_request_ids_up_to_100_characters_are_accepted(request_id: str | None) -> None:
    assert model.check_request_id(request_id) == request_id


@pytest.mark.parametrize("request_id", ["", "x" * 101, 42])
def test_bad_request_ids_are_invalid(request_id: object) -> None:
    with pytest.raises(Invalid, match="request_id"):
        model.check_request_id(request_id)


def test_only_drafts_with_a_request_id_have_an_idempotency_key() -> None:
    chat, sender = new_id(), new_id()

    keyed = Draft(chat, sender, "hi", "r-1", ai_generated=False)
    unkeyed = Draft(chat, sender, "hi", None, ai_generated=False)

    assert keyed.idempotency_key == (chat, sender, "r-1")
    assert unkeyed.idempotency_key is None


def test_at_most_one_history_cursor() -> None:
    model.check_cursors(None, None, None)
    model.check_cursors(new_id(), None, None)
    with pytest.raises(Invalid, match="after_seq"):
        model.check_cursors(new_id(), None, 3)
    with pytest.raises(Invalid, match="after_seq"):
        model.check_cursors(None, None, -1)


@pytest.mark.parametrize("seq", [-1, True, "3", 1.0, None])
def test_read_seq_must_be_a_non_negative_integer(seq: object) -> None:
    with pytest.raises(Invalid):
        model.check_seq(seq)
    assert model.check_seq(0) == 0
