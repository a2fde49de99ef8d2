"""Connection: a bounded send queue that sheds droppable frames, then closes slow clients."""

import pytest
from realtime_sockets import FakeSocket, connection, settle

from hubbub.contexts.realtime.connection import (
    CLOSE_TRY_AGAIN_LATER,
    Connection,
    OutFrame,
    text_frame,
)
from hubbub.kernel.ids import new_id


@pytest.fixture
def full() -> tuple[Connection, FakeSocket]:
    """A connection whose writer has not started, with a queue of 3."""
    return connection(new_id(), max_queue=3)


async def test_frames_are_written_in_order() -> None:
    conn, socket = connection(new_id())
    conn.start()

    for i in range(5):
        conn.push(f"f{i}")
    await settle()
    conn.push("f5")
    await settle()
    await conn.stop()

    assert socket.sent == [f"f{i}" for i in range(6)]


async def test_a_droppable_frame_is_shed_when_the_queue_is_full(
    full: tuple[Connection, FakeSocket],
) -> None:
    conn, socket = full
    for text in ("a", "b", "c"):
        conn.push(text)

    conn.push("typing", droppable=True)
    conn.start()
    await settle()

    assert socket.sent == ["a", "b", "c"]
    assert socket.closed == []


async def test_a_frame_that_matters_evicts_the_oldest_droppable_one(
    full: tuple[Connection, FakeSocket],
) -> None:
    conn, socket = full
    conn.push("typing-1", droppable=True)
    conn.push("a")
    conn.push("typing-2", droppable=True)

    conn.push("b")
    conn.start()
    await settle()

    assert socket.sent == ["a", "typing-2", "b"]
    assert socket.closed == []


async def test_a_queue_full_of_frames_that_matter_closes_with_1013(
    full: tuple[Connection, FakeSocket],
) -> None:
    conn, socket = full
    for text in ("a", "b", "c"):
        conn.push(text)

    conn.push("d")
    conn.push("e")  # ignored: the connection is closing
    await settle()

    assert socket.closed == [(CLOSE_TRY_AGAIN_LATER, "send queue full")]
    conn.start()
    await settle()
    assert socket.sent == ["a", "b", "c"]


async def test_a_failed_send_stops_the_connection() -> None:
    conn, socket = connection(new_id())
    conn.start()
    socket.broken = True
    conn.push("lost")
    await settle()
    socket.broken = False

    conn.push("after")
    await settle()

    assert socket.sent == []


async def test_stop_ends_the_writer_and_refuses_frames() -> None:
    conn, socket = connection(new_id())
    conn.start()
    await conn.stop()

    conn.push("late")
    await settle()

    assert socket.sent == []


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 70000])
def test_a_prebuilt_text_frame_is_what_the_websockets_library_serializes(size: int) -> None:
    from websockets.frames import Frame, Opcode

    payload = ("é" * size).encode()[:size]  # may cut a character: bytes are bytes here

    assert text_frame(payload) == Frame(Opcode.TEXT, payload).serialize(mask=False, extensions=[])


class PrebuiltWriter:
    """The server's prebuilt-frame writer: takes frames while `open`, refuses otherwise."""

    def __init__(self) -> None:
        self.wire: list[bytes] = []
        self.open = True

    def __call__(self, wire: bytes) -> bool:
        if self.open:
            self.wire.append(wire)
        return self.open


async def test_frames_go_straight_to_the_server_writer_one_serialization_for_all() -> None:
    writer = PrebuiltWriter()
    sockets = []
    for _ in range(3):
        conn, socket = connection(new_id())
        conn._write_now = writer  # as the gateway wires it from the ASGI scope
        conn.start()
        sockets.append((conn, socket))
    frame = OutFrame('{"type":"new_message"}')

    for conn, _ in sockets:
        conn.push(frame)  # written at once: no task, no queue

    assert len(writer.wire) == 3
    assert writer.wire[0] is writer.wire[1] is writer.wire[2]  # the same bytes object
    assert writer.wire[0] == text_frame(b'{"type":"new_message"}')
    assert all(socket.sent == [] for _, socket in sockets)


async def test_when_the_server_writer_refuses_frames_queue_and_keep_their_order() -> None:
    writer = PrebuiltWriter()
    conn, socket = connection(new_id())
    conn._write_now = writer
    conn.start()
    conn.push("a")
    writer.open = False  # output paused: the queue and the ASGI send take over
    conn.push("b")
    writer.open = True
    conn.push("c")  # queued behind "b", not written ahead of it
    assert writer.wire == [text_frame(b"a")]
    writer.open = False
    await settle()
    writer.open = True
    conn.push("d")  # the queue is empty again: straight to the writer
    await conn.stop()

    assert writer.wire == [text_frame(b"a"), text_frame(b"d")]
    assert socket.sent == ["b", "c"]
