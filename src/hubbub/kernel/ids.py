"""Identifiers: time-ordered UUIDv7 so sorting ids sorts by creation time."""

from uuid import UUID

import uuid6


def new_id() -> UUID:
    """A new time-ordered (UUIDv7) identifier."""
    found: UUID = uuid6.uuid7()
    return found


def parse_id(value: str) -> UUID | None:
    """The UUID in `value`, or None when it is not one."""
    try:
        return UUID(value)
    except (ValueError, TypeError, AttributeError):
        return None
