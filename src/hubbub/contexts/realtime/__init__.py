"""realtime: the WebSocket gateway, sessions, fan-out, presence and typing."""

from hubbub.contexts.realtime.ports import Presence
from hubbub.contexts.realtime.presence import InMemoryPresence

__all__ = ["InMemoryPresence", "Presence"]
