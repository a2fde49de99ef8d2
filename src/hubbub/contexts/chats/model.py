"""Chat rules: pure, no IO."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from hubbub.kernel.errors import Forbidden, Invalid
from hubbub.kernel.text import check_characters, is_invisible

TITLE_MAX = 100


def direct_key(a: UUID, b: UUID) -> str:
    """The same key for a pair in either order: at most one direct chat per pair."""
    low, high = sorted((str(a), str(b)))
    return f"{low}:{high}"


def partner_in(key: str | None, user_id: UUID) -> UUID | None:
    """The other user of a direct chat's key (None for a room, or a key not of this user)."""
    if key is None:
        return None
    low, _, high = key.partition(":")
    pair = [UUID(low), UUID(high)]
    if user_id not in pair:
        return None
    return pair[1] if pair[0] == user_id else pair[0]


def check_partner(user_id: UUID, partner_id: UUID) -> None:
    if user_id == partner_id:
        raise Invalid("partner_id: cannot open a direct chat with yourself", code="invalid_partner")


def check_title(title: str) -> str:
    """1–100 visible characters, runs of spaces collapsed; no control or bidirectional
    formatting characters (a title is a name people see)."""
    check_characters(title, field="title", code="invalid_title", names=True)
    cleaned = " ".join(title.split())  # (the length is counted as sent)
    if not len(cleaned) >= 1 or len(title) > TITLE_MAX:
        raise Invalid(f"title: 1–{TITLE_MAX} characters", code="invalid_title")
    if is_invisible(cleaned):
        raise Invalid("title: must contain visible characters", code="invalid_title")
    return cleaned


def check_group(chat_type: str, action: str) -> None:
    if chat_type != "group":
        raise Invalid(f"{action}: only group chats have changing members", code="not_a_group")


def check_can_remove(*, actor_id: UUID, target_id: UUID, actor_role: str | None) -> None:
    """You may remove yourself (leave); only the owner may remove someone else."""
    if actor_id != target_id and actor_role != "owner":
        raise Forbidden("only the owner can remove other members", code="not_owner")


@dataclass(frozen=True, slots=True)
class Chat:
    id: UUID
    type: str
    title: str | None
    owner_id: UUID | None
    direct_key: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Member:
    chat_id: UUID
    user_id: UUID
    role: str
    joined_at: datetime


def next_owner(members: list[Member], leaving: UUID) -> Member | None:
    """Who inherits a room when its owner leaves: the longest-standing other member."""
    others = sorted((m for m in members if m.user_id != leaving), key=lambda m: m.joined_at)
    return others[0] if others else None
