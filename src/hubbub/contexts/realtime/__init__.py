"""realtime: the WebSocket gateway, sessions, fan-out, presence and typing."""

from hubbub.contexts.realtime.gateway import Gateway
from hubbub.contexts.realtime.hub import Hub

__all__ = ["Gateway", "Hub"]
