"""What the rate run observes: sends, acks, deliveries, errors and contract checks."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import ConnectionClosed

_EPOCH_OFFSET_NS = time.time_ns() - time.perf_counter_ns()

MESSAGE_SENT_KEYS = {"type", "request_id", "chat_id", "message_id", "seq", "created_at", "status"}
MESSAGE_KEYS = {
    "id",
    "chat_id",
    "seq",
    "sender_id",
    "text",
    "created_at",
    "edited_at",
    "ai_generated",
    "request_id",
}


def now_ns() -> int:
    """Epoch nanoseconds from the monotonic clock (one clock for senders and receivers)."""
    return time.perf_counter_ns() + _EPOCH_OFFSET_NS


def encode_text(step: int, scheduled_ns: int, index: int) -> str:
    """The message text: step id, scheduled send time (epoch ns) and a counter."""
    return f"bench {step} {scheduled_ns} {index}"


def decode_text(text: str) -> tuple[int, int] | None:
    """(step, scheduled_ns) from a message text, or None if it is not ours."""
    parts = text.split(" ")
    if len(parts) != 4 or parts[0] != "bench":
        return None
    return int(parts[1]), int(parts[2])


@dataclass
class Window:
    """The measured interval of one step (epoch ns) and its step id."""

    step: int = -1
    start: int = 0
    end: int = 0

    def __contains__(self, t: int) -> bool:
        return self.start <= t < self.end


@dataclass
class StepCounters:
    """What one step observed."""

    latencies: list[int] = field(default_factory=list)
    latency_at: list[int] = field(default_factory=list)
    # The same samples split by path: receiver on the sender's gateway, or on another one
    # (its copy crossed Redis pub/sub). With one gateway everything is local.
    local_latencies: list[int] = field(default_factory=list)
    remote_latencies: list[int] = field(default_factory=list)
    ack_latencies: list[int] = field(default_factory=list)
    send_lags: list[int] = field(default_factory=list)
    sent_in_window: int = 0
    sent_scheduled_in_window: int = 0
    acked_in_window: int = 0
    delivered_in_window: int = 0
    delivered_of_window_msgs: int = 0
    acked_of_window_msgs: int = 0
    stale: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    other_frames: Counter[str] = field(default_factory=Counter)


@dataclass
class Recorder:
    """Shared state of the rate run; `c` holds the counters of the step in progress."""

    window: Window = field(default_factory=Window)
    c: StepCounters = field(default_factory=StepCounters)
    validate: bool = False
    pending: dict[str, int] = field(default_factory=dict)
    violations: Counter[str] = field(default_factory=Counter)
    examples: dict[str, Any] = field(default_factory=dict)
    last_frame_ns: int = 0

    def reset(self, window: Window) -> None:
        """Start a new step with fresh counters."""
        self.window = window
        self.c = StepCounters()
        self.pending.clear()

    def violation(self, what: str, example: Any) -> None:
        """Record a departure from the API contract (with the first example)."""
        self.violations[what] += 1
        self.examples.setdefault(what, example)

    def on_sent(self, request_id: str, scheduled: int, sent_at: int) -> None:
        """A message frame has been handed to the socket."""
        self.pending[request_id] = scheduled
        if scheduled in self.window:
            self.c.sent_scheduled_in_window += 1
            self.c.send_lags.append(sent_at - scheduled)
        if sent_at in self.window:
            self.c.sent_in_window += 1

    def on_ack(self, frame: dict[str, Any], t: int) -> None:
        """A message_sent frame arrived on a sender connection."""
        if self.validate:
            self._check_ack(frame)
        self.last_frame_ns = t
        scheduled = self.pending.pop(str(frame.get("request_id")), None)
        if scheduled is None:
            self.c.stale += 1
            return
        if t in self.window:
            self.c.acked_in_window += 1
        if scheduled in self.window:
            self.c.acked_of_window_msgs += 1
            self.c.ack_latencies.append(t - scheduled)

    def on_delivery(self, message: dict[str, Any], t: int, remote: bool = False) -> None:
        """A new_message frame arrived on a receiver connection (`remote`: on a gateway other
        than the sender's)."""
        if t in self.window:
            self.c.delivered_in_window += 1
        self.last_frame_ns = t
        if self.validate:
            self._check_message(message)
        decoded = decode_text(str(message.get("text")))
        if decoded is None or decoded[0] != self.window.step:
            self.c.stale += 1
            return
        if decoded[1] in self.window:
            self.c.delivered_of_window_msgs += 1
            latency = t - decoded[1]
            self.c.latencies.append(latency)
            self.c.latency_at.append(decoded[1])
            (self.c.remote_latencies if remote else self.c.local_latencies).append(latency)

    def on_error(self, frame: dict[str, Any]) -> None:
        """An error frame arrived."""
        self.c.errors[str(frame.get("code"))] += 1
        self.examples.setdefault("error:" + str(frame.get("code")), frame)

    def _check_ack(self, frame: dict[str, Any]) -> None:
        missing = MESSAGE_SENT_KEYS - frame.keys()
        if missing:
            self.violation(f"message_sent lacks {sorted(missing)}", frame)
        if frame.get("status") != "delivered":
            self.violation("message_sent status is not 'delivered'", frame)

    def _check_message(self, message: dict[str, Any]) -> None:
        missing = MESSAGE_KEYS - message.keys()
        if missing:
            self.violation(f"new_message.message lacks {sorted(missing)}", message)


@dataclass
class SeqCheck:
    """Per-connection check that seq grows by exactly one per chat."""

    last: dict[str, int] = field(default_factory=dict)

    def observe(self, rec: Recorder, message: dict[str, Any]) -> None:
        """Record a gap, a repeat or a reordering as a violation."""
        chat, seq = str(message.get("chat_id")), message.get("seq")
        if not isinstance(seq, int):
            rec.violation("new_message.message.seq is not an integer", message)
            return
        previous = self.last.get(chat)
        if previous is not None and seq != previous + 1:
            kind = "gap" if seq > previous + 1 else "repeat or reorder"
            rec.violation(f"seq {kind} on a receiver connection", [previous, seq])
        self.last[chat] = seq


async def read_receiver(ws: ClientConnection, rec: Recorder, remote: bool = False) -> None:
    """Consume a receiver's frames: new_message latency, errors, seq order."""
    seqs = SeqCheck()
    try:
        while True:
            raw = await ws.recv(decode=False)
            t = now_ns()
            frame = orjson.loads(raw)
            kind = frame.get("type")
            if kind == "new_message":
                message = frame["message"]
                rec.on_delivery(message, t, remote)
                seqs.observe(rec, message)
            elif kind == "error":
                rec.on_error(frame)
            else:
                rec.c.other_frames[str(kind)] += 1
    except ConnectionClosed as exc:
        rec.c.errors[f"receiver closed {exc.rcvd.code if exc.rcvd else None}"] += 1


async def read_sender(ws: ClientConnection, rec: Recorder) -> None:
    """Consume a sender's frames: acks, errors; new_message here breaks the contract."""
    try:
        while True:
            raw = await ws.recv(decode=False)
            t = now_ns()
            frame = orjson.loads(raw)
            kind = frame.get("type")
            if kind == "message_sent":
                rec.on_ack(frame, t)
            elif kind == "error":
                rec.on_error(frame)
            elif kind == "new_message":
                rec.violation("new_message echoed to the sending connection", frame)
            else:
                rec.c.other_frames[str(kind)] += 1
    except ConnectionClosed as exc:
        rec.c.errors[f"sender closed {exc.rcvd.code if exc.rcvd else None}"] += 1
