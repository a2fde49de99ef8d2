"""Client frames: every kind of bad frame is a DomainError with a precise code."""

from typing import Any

import orjson
import pytest

from hubbub.contexts.realtime import frames
from hubbub.kernel.errors import DomainError
from hubbub.kernel.ids import new_id

DEFAULT_CHAT = new_id()


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("{not json", "invalid_json"),
        (b"\xff\xfe", "invalid_json"),
        ("", "invalid_json"),
        ("[1, 2]", "invalid_frame"),
        ('"message"', "invalid_frame"),
        ("42", "invalid_frame"),
        ("null", "invalid_frame"),
        ("{}", "missing_field"),
        ('{"type": 7}', "missing_field"),
        ('{"type": "launch_rockets"}', "unknown_type"),
        ('{"type": "MESSAGE"}', "unknown_type"),
    ],
)
def test_unparseable_frames(raw: str | bytes, code: str) -> None:
    with pytest.raises(frames.FrameError) as caught:
        frames.parse(raw)
    assert caught.value.code == code


@pytest.mark.parametrize("kind", frames.CLIENT_TYPES)
def test_every_client_type_parses_from_text_or_bytes(kind: str) -> None:
    raw = orjson.dumps({"type": kind, "request_id": "r-1"})

    for given in (raw, raw.decode()):
        frame = frames.parse(given)
        assert (frame.type, frame.request_id) == (kind, "r-1")


@pytest.mark.parametrize("request_id", [5, None, "x" * 101])
def test_an_unusable_request_id_is_ignored(request_id: object) -> None:
    frame = frames.parse(orjson.dumps({"type": "ping", "request_id": request_id}))
    assert frame.request_id is None


def frame_of(**body: Any) -> frames.ClientFrame:
    return frames.parse(orjson.dumps({"type": "message", **body}))


def test_chat_id_comes_from_the_frame_or_the_connection_default() -> None:
    chat = new_id()

    assert frames.chat_id(frame_of(chat_id=str(chat)), DEFAULT_CHAT) == chat
    assert frames.chat_id(frame_of(), DEFAULT_CHAT) == DEFAULT_CHAT


@pytest.mark.parametrize(
    ("body", "default", "code"),
    [
        ({}, None, "missing_field"),
        ({"chat_id": "nope"}, DEFAULT_CHAT, "invalid_field"),
        ({"chat_id": 12}, DEFAULT_CHAT, "invalid_field"),
        ({"chat_id": ["x"]}, None, "invalid_field"),
    ],
)
def test_bad_chat_ids(body: dict[str, Any], default: Any, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        frames.chat_id(frame_of(**body), default)
    assert caught.value.code == code


@pytest.mark.parametrize(
    ("body", "kind", "code"),
    [
        ({}, str, "missing_field"),
        ({"text": 5}, str, "invalid_field"),
        ({"text": None}, str, "invalid_field"),
        ({"text": True}, int, "invalid_field"),  # a bool is not a seq
        ({"text": "3"}, int, "invalid_field"),
    ],
)
def test_required_fields(body: dict[str, Any], kind: type, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        frames.required(frame_of(**body), "text", kind)
    assert caught.value.code == code
    assert caught.value.message.startswith("text:")


def test_required_returns_a_well_typed_value() -> None:
    assert frames.required(frame_of(text="hi", seq=3), "text", str) == "hi"
    assert frames.required(frame_of(text="hi", seq=3), "seq", int) == 3
    assert frames.required(frame_of(is_typing=False), "is_typing", bool) is False


def test_sync_positions_map_chat_ids_to_seqs() -> None:
    a, b = new_id(), new_id()
    frame = frames.parse(orjson.dumps({"type": "sync", "chats": {str(a): 0, str(b): 17}}))

    assert frames.sync_positions(frame) == {a: 0, b: 17}


@pytest.mark.parametrize(
    "chats",
    [
        None,
        [],
        {"not-a-uuid": 1},
        {str(new_id()): -1},
        {str(new_id()): True},
        {str(new_id()): "3"},
        {str(new_id()): 1 for _ in range(1001)},
    ],
    ids=["null", "list", "bad-id", "negative", "bool", "string", "too-many"],
)
def test_bad_sync_positions(chats: Any) -> None:
    frame = frames.parse(orjson.dumps({"type": "sync", "chats": chats}))
    with pytest.raises(DomainError) as caught:
        frames.sync_positions(frame)
    assert caught.value.code == "invalid_field"


def test_sync_without_chats_is_a_missing_field() -> None:
    with pytest.raises(DomainError) as caught:
        frames.sync_positions(frames.parse('{"type": "sync"}'))
    assert caught.value.code == "missing_field"


def test_error_frames_echo_the_request_id_when_known() -> None:
    assert frames.error_frame("invalid_json", "bad", None) == {
        "type": "error",
        "code": "invalid_json",
        "message": "bad",
    }
    assert frames.error_frame("x", "y", "r-1")["request_id"] == "r-1"
