"""Identifiers: time-ordered UUIDv7 so sorting ids sorts by creation time.

An id has one spelling: the canonical lowercase, hyphenated form (`0193…-…`). Python and
pydantic also read upper case, braces, `urn:uuid:` and the bare 32 hex digits as the same
UUID; accepting those would give one chat several names (in URLs, caches, logs, client
state), so every door (paths, queries, bodies, frames) takes the canonical form only.
"""

import re
from typing import Annotated, Any
from uuid import UUID

import uuid6
from pydantic import BeforeValidator, Field

CANONICAL_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
ID_PATTERN = CANONICAL_ID.pattern


def new_id() -> UUID:
    """A new time-ordered (UUIDv7) identifier."""
    found: UUID = uuid6.uuid7()
    return found


def parse_id(value: object) -> UUID | None:
    """The UUID spelled canonically in `value`, or None for anything else."""
    if not isinstance(value, str) or not CANONICAL_ID.fullmatch(value):
        return None
    return UUID(value)


def _canonical(value: Any) -> Any:
    if isinstance(value, str) and not CANONICAL_ID.fullmatch(value):
        raise ValueError("not an id: use the lowercase hyphenated UUID form")
    return value


Id = Annotated[UUID, BeforeValidator(_canonical), Field(json_schema_extra={"pattern": ID_PATTERN})]
"""A UUID in a request (path, query or body): canonical spelling only."""
