"""The fan-out envelope: a short header line, then the frame encoded once."""

import orjson
import pytest

from hubbub.contexts.realtime import envelope
from hubbub.contexts.realtime.envelope import Envelope


@pytest.mark.parametrize(
    "sent",
    [
        Envelope(frame=None),
        Envelope(frame='{"type":"pong"}'),
        Envelope(
            frame='{"type":"new_message","message":{"text":"a\\nb"}}',
            skip_connection="conn-1",
            skip_user="user-1",
            stamp=1764000000.25,
        ),
        Envelope(frame='{"type":"typing"}', droppable=True),
        Envelope(frame=None, join_chat="chat-1"),
        Envelope(frame='{"type":"member_left"}', leave_chat="chat-2"),
    ],
)
def test_encode_then_decode_gives_the_same_envelope(sent: Envelope) -> None:
    frame = None if sent.frame is None else orjson.loads(sent.frame)

    payload = envelope.encode(
        frame,
        skip_connection=sent.skip_connection,
        skip_user=sent.skip_user,
        join_chat=sent.join_chat,
        leave_chat=sent.leave_chat,
        droppable=sent.droppable,
        stamp=sent.stamp,
    )

    assert envelope.decode(payload) == sent


def test_the_frame_travels_as_the_exact_json_written_to_sockets() -> None:
    frame = {"type": "new_message", "message": {"text": "line one\nline two"}}

    decoded = envelope.decode(envelope.encode(frame, skip_user="u"))

    assert decoded.frame == orjson.dumps(frame).decode()


def test_an_empty_header_is_one_short_line() -> None:
    assert envelope.encode(None) == b"{}\n"
