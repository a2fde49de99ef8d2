"""Chat rules."""

from datetime import UTC, datetime, timedelta

import pytest

from hubbub.contexts.chats import model
from hubbub.contexts.chats.model import Member
from hubbub.kernel.errors import Forbidden, Invalid
from hubbub.kernel.ids import new_id


def test_a_pair_has_one_direct_key_in_either_order() -> None:
    a, b = new_id(), new_id()
    assert model.direct_key(a, b) == model.direct_key(b, a)
    assert model.direct_key(a, b) != model.direct_key(a, new_id())


def test_no_direct_chat_with_yourself() -> None:
    me = new_id()
    with pytest.raises(Invalid, match="partner_id") as caught:
        model.check_partner(me, me)
    assert caught.value.status == 422
    model.check_partner(me, new_id())


@pytest.mark.parametrize(("title", "kept"), [("  Team   A ", "Team A"), ("x" * 100, "x" * 100)])
def test_titles_are_whitespace_normalised(title: str, kept: str) -> None:
    assert model.check_title(title) == kept


@pytest.mark.parametrize(
    "title",
    ["", "   ", "x" * 101, "Team\nA", "Team\tA", "a\x00b", "\u202eevil", "\u200b\u200b", "\u3164"],
)
def test_empty_or_long_titles_are_invalid(title: str) -> None:
    with pytest.raises(Invalid, match="title"):
        model.check_title(title)


def test_only_groups_have_changing_members() -> None:
    model.check_group("group", "invite")
    with pytest.raises(Invalid, match="invite"):
        model.check_group("direct", "invite")


def test_anyone_may_leave_but_only_the_owner_removes_others() -> None:
    me, other = new_id(), new_id()
    model.check_can_remove(actor_id=me, target_id=me, actor_role="member")
    model.check_can_remove(actor_id=me, target_id=other, actor_role="owner")
    with pytest.raises(Forbidden):
        model.check_can_remove(actor_id=me, target_id=other, actor_role="member")
    with pytest.raises(Forbidden):
        model.check_can_remove(actor_id=me, target_id=other, actor_role=None)


def test_the_longest_standing_other_member_inherits_a_room() -> None:
    chat, start = new_id(), datetime(2026, 1, 1, tzinfo=UTC)
    owner, early, late = new_id(), new_id(), new_id()
    people = [
        Member(chat, late, "member", start + timedelta(hours=2)),
        Member(chat, owner, "owner", start),
        Member(chat, early, "member", start + timedelta(hours=1)),
    ]

    heir = model.next_owner(people, owner)

    assert heir is not None and heir.user_id == early
    assert model.next_owner(people[1:2], owner) is None
