"""Time, injected so that tests can fix it."""

from datetime import UTC, datetime
from typing import Annotated, Protocol

from pydantic import PlainSerializer


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as the API promises (`2026-11-22T10:00:00.123Z`)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


Timestamp = Annotated[datetime, PlainSerializer(iso, return_type=str, when_used="json")]
"""A datetime that serialises as the contract's RFC 3339 UTC string, in REST and frames alike."""
