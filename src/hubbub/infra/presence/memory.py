"""Presence in this process only (the embedded default): online ⇔ at least one connection."""

from uuid import UUID

from hubbub.kernel.ports import OfflineListener


class InMemoryPresence:
    def __init__(self) -> None:
        self._connections: dict[UUID, int] = {}

    async def start(self, on_offline: OfflineListener) -> None:
        """Nothing to heartbeat: this process is the only gateway."""

    async def stop(self) -> None:
        self._connections.clear()

    async def connect(self, user_id: UUID) -> bool:
        count = self._connections.get(user_id, 0) + 1
        self._connections[user_id] = count
        return count == 1

    async def disconnect(self, user_id: UUID) -> bool:
        if user_id not in self._connections:
            return False
        count = self._connections[user_id] - 1
        if count <= 0:
            self._connections.pop(user_id, None)
            return True
        self._connections[user_id] = count
        return False

    async def online_among(self, user_ids: set[UUID]) -> set[UUID]:
        return {u for u in user_ids if u in self._connections}

    async def ping(self) -> bool:
        return True
