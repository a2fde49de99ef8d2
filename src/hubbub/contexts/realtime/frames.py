"""Client frames: parsed by hand (orjson + a few checks), which is both strict and cheap.

Every problem raises FrameError, answered with an `error` frame; nothing has changed then.
"""

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import orjson

from hubbub.kernel.errors import DomainError, Invalid
from hubbub.kernel.frames import Error
from hubbub.kernel.ids import parse_id

SEQ_MAX = 2**31 - 1  # as in the messages context: the largest seq the contract has

CLIENT_TYPES = ("message", "typing", "read", "sync", "ping", "advice_request")


class FrameError(DomainError):
    status = 400
    code = "invalid_frame"


@dataclass(frozen=True, slots=True)
class ClientFrame:
    type: str
    body: dict[str, Any]
    request_id: str | None


def parse(raw: str | bytes) -> ClientFrame:
    """A frame with a known type and a dict body."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise FrameError("frame is not valid JSON", code="invalid_json") from exc
    if not isinstance(body, dict):
        raise FrameError("frame must be a JSON object", code="invalid_frame")
    request_id = body.get("request_id")
    request_id = request_id if isinstance(request_id, str) and len(request_id) <= 100 else None
    kind = body.get("type")
    if not isinstance(kind, str):
        raise FrameError("type: required", code="missing_field")
    if kind not in CLIENT_TYPES:
        raise FrameError(f"type: unknown frame type {kind[:50]!r}", code="unknown_type")
    return ClientFrame(type=kind, body=body, request_id=request_id)


def chat_id(frame: ClientFrame, default: UUID | None) -> UUID:
    value = frame.body.get("chat_id")
    if value is None:
        if default is None:
            raise FrameError("chat_id: required", code="missing_field")
        return default
    found = parse_id(value) if isinstance(value, str) else None
    if found is None:
        raise Invalid("chat_id: not a valid id", code="invalid_field")
    return found


def required(frame: ClientFrame, name: str, kind: type | tuple[type, ...]) -> Any:
    if name not in frame.body:
        raise FrameError(f"{name}: required", code="missing_field")
    value = frame.body[name]
    if (isinstance(value, bool) and kind is int) or not isinstance(value, kind):
        raise Invalid(f"{name}: wrong type", code="invalid_field")
    return value


def sync_positions(frame: ClientFrame) -> dict[UUID, int]:
    chats = required(frame, "chats", dict)
    if len(chats) > 1000:
        raise Invalid("chats: at most 1000 chats per sync", code="invalid_field")
    positions: dict[UUID, int] = {}
    for key, seq in chats.items():
        found = parse_id(key)
        if found is None or isinstance(seq, bool) or not isinstance(seq, int):
            raise Invalid("chats: a map of chat id to last seen seq", code="invalid_field")
        if not 0 <= seq <= SEQ_MAX:
            raise Invalid(f"chats: a seq is an integer from 0 to {SEQ_MAX}", code="invalid_field")
        positions[found] = seq
    return positions


def optional_id(frame: ClientFrame, name: str) -> UUID | None:
    value = frame.body.get(name)
    if value is None:
        return None
    found = parse_id(value) if isinstance(value, str) else None
    if found is None:
        raise Invalid(f"{name}: not a valid id", code="invalid_field")
    return found


def optional_ids(frame: ClientFrame, name: str, most: int = 10) -> tuple[UUID, ...]:
    value = frame.body.get(name)
    if value is None:
        return ()
    if not isinstance(value, list) or len(value) > most:
        raise Invalid(f"{name}: a list of at most {most} ids", code="invalid_field")
    found = [parse_id(item) if isinstance(item, str) else None for item in value]
    if any(item is None for item in found):
        raise Invalid(f"{name}: not valid ids", code="invalid_field")
    return tuple(item for item in found if item is not None)


def sync_changes(frame: ClientFrame) -> dict[UUID, int]:
    """The optional finer cursor of `sync`: per chat, the last `change_id` seen."""
    changes = frame.body.get("changes")
    if changes is None:
        return {}
    if not isinstance(changes, dict) or len(changes) > 1000:
        raise Invalid("changes: a map of chat id to last change_id seen", code="invalid_field")
    found: dict[UUID, int] = {}
    for key, number in changes.items():
        chat = parse_id(key)
        if (
            chat is None
            or isinstance(number, bool)
            or not isinstance(number, int)
            or not 0 <= number <= SEQ_MAX
        ):
            raise Invalid("changes: a map of chat id to last change_id seen", code="invalid_field")
        found[chat] = number
    return found


def error_frame(code: str, message: str, request_id: str | None) -> dict[str, Any]:
    return Error(code=code, message=message, request_id=request_id).dump()
