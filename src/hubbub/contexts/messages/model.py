"""Message rules: pure, no IO."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import emoji

from hubbub.kernel.errors import Invalid
from hubbub.kernel.text import check_characters, is_invisible

TEXT_MAX = 4096
REQUEST_ID_MAX = 100
PAGE_MAX = 200
SYNC_MAX = 500
SEQ_MAX = 2**31 - 1
"""The largest seq anywhere in the contract (the database stores seqs as 32-bit integers)."""


@dataclass(frozen=True, slots=True)
class Draft:
    """A message accepted for writing, before it has an id and a seq."""

    chat_id: UUID
    sender_id: UUID
    text: str
    request_id: str | None
    ai_generated: bool
    reply_to: UUID | None = None
    mentions: tuple[UUID, ...] = ()  # members of a room the text mentions by @username
    file_ids: tuple[UUID, ...] = ()  # uploaded files the message carries

    @property
    def idempotency_key(self) -> tuple[UUID, UUID, str] | None:
        if self.request_id is None:
            return None
        return (self.chat_id, self.sender_id, self.request_id)


def check_text(text: object, *, allow_empty: bool = False) -> str:
    """The trimmed text, 1–4096 characters (0 allowed for a message that carries files),
    something of it visible when not empty; tabs and line breaks are the only control
    characters it may hold."""
    if not isinstance(text, str):
        raise Invalid("text: must be a string", code="invalid_text")
    check_characters(text, field="text", code="invalid_text", multiline=True)
    trimmed = text.strip()
    if not trimmed and not allow_empty:
        raise Invalid("text: must not be empty", code="invalid_text")
    if len(trimmed) > TEXT_MAX:
        raise Invalid(f"text: at most {TEXT_MAX} characters", code="text_too_long")
    if trimmed and is_invisible(trimmed):
        raise Invalid("text: must contain visible characters", code="invalid_text")
    return trimmed


def check_request_id(request_id: object) -> str | None:
    if request_id is None:
        return None
    if not isinstance(request_id, str) or not 1 <= len(request_id) <= REQUEST_ID_MAX:
        raise Invalid(
            f"request_id: a string of 1–{REQUEST_ID_MAX} characters", code="invalid_request_id"
        )
    return check_characters(request_id, field="request_id", code="invalid_request_id")


def check_cursors(before_id: UUID | None, after_id: UUID | None, after_seq: int | None) -> None:
    given = [
        name
        for name, v in (("before_id", before_id), ("after_id", after_id), ("after_seq", after_seq))
        if v is not None
    ]
    if len(given) > 1:
        raise Invalid(f"{given[1]}: use only one of before_id, after_id, after_seq")
    if after_seq is not None:
        check_seq(after_seq, field="after_seq", code="validation_error")


def check_seq(seq: object, *, field: str = "seq", code: str = "invalid_seq") -> int:
    """A seq a client sent: an integer from 0 to SEQ_MAX."""
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 <= seq <= SEQ_MAX:
        raise Invalid(f"{field}: an integer from 0 to {SEQ_MAX}", code=code)
    return seq


EMOJI_MAX_BYTES = 64


def check_emoji(value: str) -> str:
    """One emoji as Unicode defines them (the `emoji` package's list, with skin tones, ZWJ
    sequences and flags), e.g. "👍", "❤️", "👨‍👩‍👧"; anything else is refused."""
    if len(value.encode()) > EMOJI_MAX_BYTES:
        raise Invalid("emoji: too long for a single emoji", code="invalid_emoji")
    if not emoji.is_emoji(value):
        raise Invalid("emoji: must be exactly one emoji", code="invalid_emoji")
    return value


def within_edit_window(created_at: datetime, now: datetime, window_seconds: float) -> bool:
    """A message may be edited for `window_seconds` after it was sent."""
    return (now - created_at).total_seconds() <= window_seconds
