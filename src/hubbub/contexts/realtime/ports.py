"""What the realtime context needs from the outside world."""

from typing import Protocol
from uuid import UUID


class Presence(Protocol):
    """Who is connected anywhere. Online ⇔ at least one live connection.

    `connect`/`disconnect` report transitions so that online/offline events are published once
    per transition, not once per connection.
    """

    def connect(self, user_id: UUID) -> bool:
        """Count a new connection; True when the user just came online."""
        ...

    def disconnect(self, user_id: UUID) -> bool:
        """Count a closed connection; True when the user just went offline."""
        ...

    def online_among(self, user_ids: set[UUID]) -> set[UUID]:
        """The subset of `user_ids` online now."""
        ...
