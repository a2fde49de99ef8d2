"""Connection: a bounded send queue that sheds droppable frames, then closes slow clients."""

import pytest
from realtime_sockets import FakeSocket, connection, settle

from hubbub.contexts.realtime.connection import CLOSE_TRY_AGAIN_LATER, Connection
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
