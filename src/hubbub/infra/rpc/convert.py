"""Values on the wire: ids as canonical UUID text, times as google.protobuf.Timestamp (UTC).

A malformed id from a caller is its mistake: `Invalid`, answered INVALID_ARGUMENT.
"""

from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import UUID

from google.protobuf.timestamp_pb2 import Timestamp

from hubbub.kernel.errors import Invalid


def parse_id(value: str, *, field: str) -> UUID:
    """The UUID in `value`; Invalid (naming `field`) when it is not one."""
    try:
        return UUID(value)
    except ValueError:
        raise Invalid(f"{field}: not a UUID", code="validation_error") from None


def parse_ids(values: Iterable[str], *, field: str) -> list[UUID]:
    """Every UUID of a repeated field."""
    return [parse_id(value, field=field) for value in values]


def to_timestamp(moment: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    return stamp


def from_timestamp(stamp: Timestamp) -> datetime:
    """A timezone-aware UTC datetime (microseconds kept)."""
    return stamp.ToDatetime(tzinfo=UTC)
