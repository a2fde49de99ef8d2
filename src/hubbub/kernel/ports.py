"""Ports shared by every context: the durable bus and the live fan-out.

Adapters live in `hubbub.infra`; `bootstrap()` picks them by URL scheme.
"""

from collections.abc import Awaitable, Callable
from typing import Any, Protocol
from uuid import UUID

BusHandler = Callable[[str, bytes], Awaitable[None]]
"""Receives (key, payload); raising means "not handled", so the record is redelivered."""

FanoutListener = Callable[[str, bytes], None]
"""Receives (channel, payload) for every channel this process subscribed to."""


class Bus(Protocol):
    """Durable, at-least-once, per-key ordered delivery to consumer groups."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, topic: str, key: str, payload: bytes) -> None:
        """Append a record; returns once the bus has durably accepted it."""
        ...

    def subscribe(self, topic: str, group: str, handler: BusHandler) -> None:
        """Deliver `topic` to `handler`, once per group; ack only after it returns."""
        ...

    async def ping(self) -> bool:
        """True when the bus answers (for /readyz)."""
        ...


class Fanout(Protocol):
    """Best-effort, low-latency publish/subscribe between gateway processes."""

    async def start(self, listener: FanoutListener) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, channel: str, payload: bytes) -> None: ...

    async def subscribe(self, channel: str) -> None: ...

    async def unsubscribe(self, channel: str) -> None: ...

    async def ping(self) -> bool: ...


Frame = dict[str, Any]
"""A server → client WebSocket frame, before encoding."""


class LiveEvents(Protocol):
    """Real-time delivery to connected clients, wherever they are connected.

    By convention only service code calls this, and only after its transaction committed
    (zulip's `send_event_on_commit`), so no client ever sees an event that did not happen.
    """

    async def to_chat(
        self,
        chat_id: UUID,
        frame: Frame,
        *,
        skip_connection: str | None = None,
        skip_user: UUID | None = None,
    ) -> None:
        """Deliver to every connection of every member of the chat, except those skipped."""
        ...

    async def to_user(
        self,
        user_id: UUID,
        frame: Frame | None,
        *,
        join_chat: UUID | None = None,
        leave_chat: UUID | None = None,
    ) -> None:
        """Deliver to every connection of one user; first (un)subscribe them from a chat."""
        ...
