"""Ports shared by every context: the durable bus, the live fan-out, presence, rate limits
and short-lived caches.

Adapters live in `hubbub.infra` (in-memory for the embedded default, Redis/Kafka to scale
out); `bootstrap()` picks them by URL scheme. Each port has one contract test suite that runs
over all of its adapters.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol
from uuid import UUID

import numpy as np
from numpy.typing import NDArray

BusHandler = Callable[[str, bytes], Awaitable[None]]
"""Receives (key, payload); raising means "not handled", so the record is redelivered."""

BusRecord = tuple[str, str, bytes]
"""(topic, key, payload)."""

Vectors = NDArray[np.float32]
"""Rows of embedding vectors (float32)."""

FanoutListener = Callable[[str, bytes], None]
"""Receives (channel, payload) for every channel this process subscribed to."""


class Bus(Protocol):
    """Durable, at-least-once, per-key ordered delivery to consumer groups."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def publish(self, topic: str, key: str, payload: bytes) -> None:
        """Append a record; returns once the bus has durably accepted it."""
        ...

    async def publish_many(self, records: Sequence[BusRecord]) -> None:
        """Append records in order, pipelined; returns once the bus accepted all of them.
        On failure some may have been accepted: the caller publishes them all again."""
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


OfflineListener = Callable[[UUID], Awaitable[None]]
"""Told about a user who went offline because the gateway holding them died."""


class Presence(Protocol):
    """Who is connected anywhere. Online ⇔ at least one live connection on some gateway.

    `connect`/`disconnect` report transitions, so online/offline events are published once
    per transition, not once per connection. Adapters fail open: if their store is
    unreachable they report no transition rather than break the connection.
    """

    async def start(self, on_offline: OfflineListener) -> None:
        """Begin heartbeats; `on_offline` hears of users whose gateway stopped heartbeating."""
        ...

    async def stop(self) -> None: ...

    async def connect(self, user_id: UUID) -> bool:
        """Count a new connection; True when the user just came online."""
        ...

    async def disconnect(self, user_id: UUID) -> bool:
        """Count a closed connection; True when the user just went offline."""
        ...

    async def online_among(self, user_ids: set[UUID]) -> set[UUID]:
        """The subset of `user_ids` online now."""
        ...

    async def ping(self) -> bool: ...


class RateLimit(Protocol):
    """A per-key budget of hits per window (a minute, a day)."""

    async def hit(self, key: str) -> None:
        """Count one hit for `key`, or raise `RateLimited` with a retry-after."""
        ...

    async def aclose(self) -> None:
        """Let go of connections (at shutdown)."""
        ...


class Cache(Protocol):
    """Short-lived values shared by the processes of one deployment (never the truth:
    a miss or an unreachable cache means "ask the database")."""

    async def get(self, key: str) -> bytes | None: ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """One value (or None) per key, in order, in one round trip."""
        ...

    async def set(self, key: str, value: bytes, *, ttl_seconds: float) -> None: ...

    async def set_many(self, values: Mapping[str, bytes], *, ttl_seconds: float) -> None:
        """Set several values in one round trip."""
        ...

    async def delete(self, key: str) -> None: ...


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


class Embedder(Protocol):
    """Sentence embeddings, shared by every context that reads text with a model (the
    assistant's Smart Reply, the diary's mood analyser).

    Rows are L2-normalised, so a dot product is the cosine similarity. Calls are blocking
    CPU work: callers run them off the event loop (a thread of their own).
    """

    @property
    def name(self) -> str:
        """The model and its version, recorded with every result it produced."""
        ...

    @property
    def dim(self) -> int: ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text, in order: a float32 array of shape (len(texts), dim)."""
        ...

    def warm(self) -> None:
        """Load the model now (at start-up), so that the first real call is fast."""
        ...


class BlobStore(Protocol):
    """Bytes by key (shared files and their thumbnails): a directory on the embedded default,
    an S3-compatible object store when scaled out."""

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key` (replacing whatever was there); durable on return."""
        ...

    async def get(self, key: str) -> bytes | None:
        """The bytes under `key`, or None."""
        ...

    async def delete(self, key: str) -> None:
        """Forget `key` (nothing happens if it is unknown)."""
        ...

    async def ping(self) -> bool: ...

    async def close(self) -> None: ...
