"""realtime: the WebSocket gateway, sessions, fan-out, presence and typing.

The server frames are typed (`server_frames`, defined in `hubbub.kernel.frames` beside the
`LiveEvents` port, so the contexts that publish them need not import realtime)."""

from hubbub.contexts.realtime.gateway import Gateway
from hubbub.contexts.realtime.hub import Hub
from hubbub.kernel import frames as server_frames

__all__ = ["Gateway", "Hub", "server_frames"]
