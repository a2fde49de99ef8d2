"""What travels on a fan-out channel: a one-line JSON header, a newline, the frame's JSON.

The frame is encoded once by the publisher and written to every socket as it is; a gateway
only parses the short header (whom to skip, which chat to join or leave).
"""

from dataclasses import dataclass
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class Envelope:
    frame: str | None
    skip_connection: str | None = None
    skip_user: str | None = None
    join_chat: str | None = None
    leave_chat: str | None = None
    droppable: bool = False
    stamp: float | None = None
    end_sessions: tuple[str, ...] = ()


def encode(
    frame: dict[str, Any] | None,
    *,
    skip_connection: str | None = None,
    skip_user: str | None = None,
    join_chat: str | None = None,
    leave_chat: str | None = None,
    droppable: bool = False,
    stamp: float | None = None,
    end_sessions: tuple[str, ...] = (),
) -> bytes:
    header: dict[str, Any] = {}
    if skip_connection:
        header["c"] = skip_connection
    if skip_user:
        header["u"] = skip_user
    if join_chat:
        header["j"] = join_chat
    if leave_chat:
        header["l"] = leave_chat
    if droppable:
        header["d"] = 1
    if stamp is not None:
        header["t"] = stamp
    if end_sessions:
        header["e"] = list(end_sessions)
    body = orjson.dumps(frame) if frame is not None else b""
    return orjson.dumps(header) + b"\n" + body


def decode(payload: bytes) -> Envelope:
    head, _, body = payload.partition(b"\n")
    header = orjson.loads(head)
    return Envelope(
        frame=body.decode() if body else None,
        skip_connection=header.get("c"),
        skip_user=header.get("u"),
        join_chat=header.get("j"),
        leave_chat=header.get("l"),
        droppable=bool(header.get("d")),
        stamp=header.get("t"),
        end_sessions=tuple(header.get("e", ())),
    )
