"""Profile rules."""

import pytest

from hubbub.contexts.users import model
from hubbub.kernel.errors import Invalid


@pytest.mark.parametrize("name", ["abc", "Alice_01", "a.b-c", "x" * 50])
def test_valid_usernames_are_kept_as_typed(name: str) -> None:
    assert model.check_username(name) == name


@pytest.mark.parametrize("name", ["ab", "x" * 51, "has space", "émile", "semi;colon", ""])
def test_invalid_usernames_are_refused(name: str) -> None:
    with pytest.raises(Invalid) as caught:
        model.check_username(name)
    assert caught.value.code == "invalid_username"
    assert "username" in caught.value.message


def test_email_is_optional_and_taken_as_sent() -> None:
    assert model.check_email(None) is None
    assert model.check_email("a@x.org") == "a@x.org"
    with pytest.raises(Invalid):
        model.check_email("  a@x.org ")  # what the schema's pattern says too


@pytest.mark.parametrize("email", ["no-at-sign", "two@@x.org", "sp ace@x.org", "@x.org", "a@"])
def test_malformed_emails_are_refused(email: str) -> None:
    with pytest.raises(Invalid, match="email"):
        model.check_email(email)


def test_display_name_falls_back_to_the_username_and_is_bounded() -> None:
    assert model.check_display_name(None, fallback="alice") == "alice"
    assert model.check_display_name("   ", fallback="alice") == "alice"
    assert model.check_display_name("  Alice  ", fallback="alice") == "Alice"
    assert model.check_display_name("x" * 100, fallback="a") == "x" * 100
    with pytest.raises(Invalid, match="display_name"):
        model.check_display_name("x" * 101, fallback="a")


def test_search_prefix_is_lowercased_and_escapes_like_wildcards() -> None:
    assert model.search_prefix("  AlI ") == "ali"
    assert model.search_prefix("a_b%c\\") == "a\\_b\\%c\\\\"
