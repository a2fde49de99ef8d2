"""Micro-benchmark of the fan-out's last step: one frame written to the sockets of a room.

Real uvicorn WebSocket protocols (hubbub's `WebSocketProtocol`, the server's), each on a
fake transport that only counts bytes, with a Starlette `WebSocket` and a hubbub
`Connection` per socket, as the gateway wires them. Each round pushes one frame to
`--sockets` connections, then lets the event loop run the writers. Two ways:

- `asgi`: the connection has no prebuilt-frame writer, so every socket gets the frame through
  a writer task and the ASGI `send` (Starlette → uvicorn → websockets: encode the text,
  build and serialize the frame), which is what every delivery cost before issue 16;
- `prebuilt`: the frame is serialized once (`OutFrame`) and the same bytes are written to
  each socket's transport at once (issue 16).

Reported: process CPU time per delivery.

    .venv/bin/python bench/frame_fanout_micro.py --rounds 20000 --sockets 9
"""

import argparse
import asyncio
import contextlib
import logging
import resource
from typing import Any

import orjson
from starlette.websockets import WebSocket
from uvicorn.config import Config
from uvicorn.server import ServerState

from hubbub.contexts.realtime.connection import Connection, OutFrame
from hubbub.entry.ws_protocol import WebSocketProtocol
from hubbub.kernel.ids import new_id

HANDSHAKE = (
    b"GET /ws HTTP/1.1\r\nHost: bench\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
)


class CountingTransport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.written = 0

    def write(self, data: Any) -> None:
        self.written += len(data)

    def is_closing(self) -> bool:
        return False

    def close(self) -> None:
        pass

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return default


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run(mode: str, sockets: int, rounds: int) -> float:
    connections: list[Connection] = []
    ready = asyncio.Event()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        offer = scope["extensions"].get("hubbub.prebuilt_frames", {})
        conn = Connection(
            conn_id=str(len(connections)),
            user_id=new_id(),
            send=websocket.send_text,
            close=websocket.close,
            max_queue=1_000_000,
            write_now=offer.get("write") if mode == "prebuilt" else None,
        )
        conn.start()
        connections.append(conn)
        if len(connections) == sockets:
            ready.set()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.Event().wait()  # the socket stays open until the run ends

    config = Config(app=app, ws=WebSocketProtocol, log_level="warning", lifespan="off")
    config.load()
    state = ServerState()
    loop = asyncio.get_running_loop()
    transports = []
    for _ in range(sockets):
        protocol = WebSocketProtocol(config=config, server_state=state, app_state={}, _loop=loop)
        transport = CountingTransport()
        protocol.connection_made(transport)
        protocol.data_received(HANDSHAKE)
        transports.append(transport)
    await asyncio.wait_for(ready.wait(), 10)
    frame = {"type": "new_message", "message": {"id": str(new_id()), "text": "x" * 100}}
    payload = orjson.dumps(frame)
    start = cpu()
    for _ in range(rounds):
        out = OutFrame.of_json(payload)  # what the hub does once per event
        for conn in connections:
            conn.push(out)
        for _ in range(3):
            await asyncio.sleep(0)
    used = cpu() - start
    expected = rounds * (len(payload) + 4)
    written = [t.written for t in transports]
    assert all(w >= expected for w in written), f"a socket missed frames: {written} < {expected}"
    for task in state.tasks:
        task.cancel()
    return used / (rounds * sockets)


async def main(args: argparse.Namespace) -> None:
    logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)  # the cancelled apps at exit
    for mode in ("asgi", "prebuilt", "asgi", "prebuilt"):
        per = await run(mode, args.sockets, args.rounds)
        print(f"{mode:9} {per * 1e6:6.1f} µs of CPU per delivery ({args.sockets} sockets)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20_000)
    parser.add_argument("--sockets", type=int, default=9)
    asyncio.run(main(parser.parse_args()))
