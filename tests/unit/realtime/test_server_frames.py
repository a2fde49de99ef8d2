"""One schema test per server frame (issue 12): each typed frame dumps to JSON that its own
JSON Schema accepts, reads back to the same frame, is listed in docs/API.md's server frames
with the fields it has there; and no context builds a frame as a dict literal any more."""

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

from hubbub.contexts.realtime import server_frames as f
from hubbub.kernel.ids import new_id

ROOT = Path(__file__).resolve().parents[3]
API_DOC = (ROOT / "docs" / "API.md").read_text()
SERVER_SECTION = API_DOC.split("Server → client frames:")[1].split("\n\n")[0]
REALTIME_SECTION = API_DOC.split("## Real time")[1].split("\n## ")[0]  # pong, sync_truncated


class Thing(BaseModel):
    """A stand-in for the message or chat a generic frame carries."""

    id: str
    text: str


NOW = datetime(2026, 12, 2, 9, 30, 0, 123000, tzinfo=UTC)
THING = Thing(id="x", text="hello")

EXAMPLES: dict[str, f.Frame] = {
    "message_sent": f.MessageSent(
        request_id="r1", chat_id=new_id(), message_id=new_id(), seq=7, created_at=NOW
    ),
    "new_message": f.NewMessage[Thing](message=THING),
    "message_updated": f.MessageUpdated[Thing](
        change="edited", change_id=3, actor_id=new_id(), message=THING
    ),
    "sync_truncated": f.SyncTruncated(chat_id=new_id()),
    "read": f.Read(chat_id=new_id(), user_id=new_id(), seq=4),
    "typing": f.Typing(chat_id=new_id(), user_id=new_id(), is_typing=True),
    "presence": f.Presence(event="user_online", user_id=new_id(), timestamp=NOW),
    "chat_created": f.ChatCreated[Thing](chat=THING),
    "chat_invite": f.ChatInvite[Thing](chat=THING),
    "member_joined": f.MemberJoined(chat_id=new_id(), user_id=new_id()),
    "member_left": f.MemberLeft(chat_id=new_id(), user_id=new_id()),
    "ai_advice": f.AiAdvice(
        chat_id=new_id(),
        advice_id=new_id(),
        text="say hi",
        suggested_reply=None,
        in_reply_to=None,
        created_at=NOW,
        kind="advice",
    ),
    "error": f.Error(code="invalid_frame", message="frame must be a JSON object"),
    "diary_mood": f.DiaryMood(
        entry_id=new_id(),
        mood=f.FrameMood(
            valence=0.5, emotions={"joy": 0.7, "neutral": 0.3}, label="joy", model="m1"
        ),
    ),
    "pong": f.Pong(),
}


def frame_type(cls: type[f.Frame]) -> str:
    default = cls.model_fields["type"].default
    assert isinstance(default, str)
    return default


def test_every_server_frame_has_an_example_and_a_line_in_the_contract() -> None:
    assert sorted(frame_type(c) for c in f.SERVER_FRAMES) == sorted(EXAMPLES)
    documented = set(re.findall(r'\{"type": "(\w+)"', SERVER_SECTION)) | {"pong", "sync_truncated"}
    assert documented == set(EXAMPLES)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_the_frame_matches_its_schema_and_reads_back(kind: str) -> None:
    frame = EXAMPLES[kind]
    dumped = frame.dump()

    assert dumped["type"] == kind
    schema = type(frame).model_json_schema(mode="serialization")
    jsonschema.validate(dumped, schema)
    assert type(frame).model_validate(dumped) == frame
    # The fields the contract names for this frame are the ones it has.
    pattern = r'\{"type":\s*"' + kind + r'"([^}]*)\}'
    segment = re.search(pattern, SERVER_SECTION) or re.search(pattern, REALTIME_SECTION)
    assert segment is not None, kind
    top_level = segment.group(1).split("{")[0]  # a nested object's names are its own
    for name in re.findall(r'"(\w+)"\??(?=[,:}\s]|$)', top_level):
        if name in dumped.values():  # a documented value ("delivered"), not a field
            continue
        assert name in type(frame).model_fields, (kind, name)


def test_a_wrong_field_is_refused_where_the_frame_is_written() -> None:
    with pytest.raises(ValueError):
        f.Read(chat_id=new_id(), user_id=new_id(), seq="four")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        f.Typing(chat_id=new_id(), user_id=new_id(), is_typing=True, extra=1)  # type: ignore[call-arg]


def test_optional_fields_are_left_out_when_none_and_nullable_ones_are_kept() -> None:
    assert "request_id" not in f.Error(code="c", message="m").dump()
    assert f.Error(code="c", message="m", request_id="r").dump()["request_id"] == "r"
    assert (
        "actor_id" not in f.MessageUpdated[Thing](change="sync", change_id=1, message=THING).dump()
    )
    advice = EXAMPLES["ai_advice"].dump()
    assert advice["suggested_reply"] is None and advice["in_reply_to"] is None
    assert EXAMPLES["message_sent"].dump()["created_at"] == "2026-12-02T09:30:00.123Z"


def test_a_generic_frame_carries_its_payload_as_the_payload_serialises() -> None:
    with pytest.raises(TypeError, match="payload"):
        f.NewMessage(message=THING).dump()
    assert f.NewMessage[Thing](message=THING).dump() == {
        "type": "new_message",
        "message": {"id": "x", "text": "hello"},
    }


def test_no_context_builds_a_frame_as_a_dict_literal() -> None:
    types = "|".join(sorted(EXAMPLES))
    literal = re.compile(rf'["\']type["\']\s*:\s*["\']({types})["\']')
    found: list[Any] = []
    for path in sorted((ROOT / "src" / "hubbub" / "contexts").rglob("*.py")):
        for number, text in enumerate(path.read_text().splitlines(), 1):
            if literal.search(text) and not text.lstrip().startswith(("#", '"""', "`")):
                found.append(f"{path.relative_to(ROOT)}:{number}: {text.strip()}")
    assert found == []
