"""Presence in this process: online ⇔ at least one live connection."""

from uuid import UUID


class InMemoryPresence:
    def __init__(self) -> None:
        self._connections: dict[UUID, int] = {}

    def connect(self, user_id: UUID) -> bool:
        """Count a new connection; True when the user just came online."""
        count = self._connections.get(user_id, 0) + 1
        self._connections[user_id] = count
        return count == 1

    def disconnect(self, user_id: UUID) -> bool:
        """Count a closed connection; True when the user just went offline."""
        if user_id not in self._connections:
            return False
        count = self._connections[user_id] - 1
        if count <= 0:
            self._connections.pop(user_id, None)
            return True
        self._connections[user_id] = count
        return False

    def online_among(self, user_ids: set[UUID]) -> set[UUID]:
        return {u for u in user_ids if u in self._connections}
