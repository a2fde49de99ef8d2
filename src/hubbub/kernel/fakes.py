"""Fakes of the kernel's ports and of time, for unit tests of every context."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal
from uuid import UUID

from hubbub.kernel.ports import FanoutListener, Frame


class FixedClock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, seconds: float = 1.0) -> datetime:
        """Move time forward; returns the new now."""
        self.current += timedelta(seconds=seconds)
        return self.current


@dataclass(frozen=True, slots=True)
class LiveCall:
    """One call made to LiveEvents."""

    kind: Literal["to_chat", "to_user"]
    target: UUID
    frame: Frame | None
    skip_connection: str | None = None
    skip_user: UUID | None = None
    join_chat: UUID | None = None
    leave_chat: UUID | None = None

    @property
    def type(self) -> str | None:
        """The frame's `type`, or None for a pure (un)subscribe."""
        return None if self.frame is None else self.frame.get("type")


class RecordingLiveEvents:
    """LiveEvents that records every call; set `fail` to make every call raise it."""

    def __init__(self) -> None:
        self.calls: list[LiveCall] = []
        self.fail: Exception | None = None

    async def to_chat(
        self,
        chat_id: UUID,
        frame: Frame,
        *,
        skip_connection: str | None = None,
        skip_user: UUID | None = None,
    ) -> None:
        if self.fail is not None:
            raise self.fail
        self.calls.append(
            LiveCall(
                "to_chat", chat_id, frame, skip_connection=skip_connection, skip_user=skip_user
            )
        )

    async def to_user(
        self,
        user_id: UUID,
        frame: Frame | None,
        *,
        join_chat: UUID | None = None,
        leave_chat: UUID | None = None,
    ) -> None:
        if self.fail is not None:
            raise self.fail
        self.calls.append(
            LiveCall("to_user", user_id, frame, join_chat=join_chat, leave_chat=leave_chat)
        )

    def of_type(self, frame_type: str | None) -> list[LiveCall]:
        """The calls whose frame has this `type` (None: the frameless (un)subscribes)."""
        return [call for call in self.calls if call.type == frame_type]


class RecordingFanout:
    """An in-process Fanout that also records (un)subscribes and publishes."""

    def __init__(self) -> None:
        self.listener: FanoutListener | None = None
        self.channels: set[str] = set()
        self.ops: list[tuple[str, str]] = []  # ("subscribe" | "unsubscribe", channel)
        self.published: list[tuple[str, bytes]] = []

    async def start(self, listener: FanoutListener) -> None:
        self.listener = listener

    async def stop(self) -> None:
        self.listener = None
        self.channels.clear()

    async def publish(self, channel: str, payload: bytes) -> None:
        self.published.append((channel, payload))
        if self.listener is not None and channel in self.channels:
            self.listener(channel, payload)

    async def subscribe(self, channel: str) -> None:
        self.ops.append(("subscribe", channel))
        self.channels.add(channel)

    async def unsubscribe(self, channel: str) -> None:
        self.ops.append(("unsubscribe", channel))
        self.channels.discard(channel)

    async def ping(self) -> bool:
        return True
