"""How long the assistant takes, and whether it slows the chat, on a real `hubbub serve`.

Starts a fresh server (embedded default, offline model, its own data dir, pinned to a core
with `--server-cpu`), makes `--pairs` direct chats and sends into them at `--rate` messages
per second for `--seconds`, alternating three kinds of chat:

- `advice`: the receiver has an advice binding; measured: the sender's send → the
  receiver's `ai_advice` frame;
- `autoreply`: the receiver has an autoreply binding; measured: send → the sender's
  `new_message` with `ai_generated` (the reply in the other's name);
- `plain`: no binding at all.

For every message the sender's `message_sent` latency is recorded too, per kind of chat: the
assistant must never delay it. Latencies are reported as p50/p95/max in ms.

    .venv/bin/python bench/ai_latency.py --pairs 30 --rate 10 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

from hubload.stats import latency_summary_ms

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("advice", "autoreply", "plain")
LINES = [  # clear-cut lines of the offline banks, so the assistant has something to say
    "Sorry, running 15 minutes late",
    "Thank you so much for your help!",
    "Where are we meeting?",
    "We need to cancel tomorrow's meeting",
    "Happy birthday my friend!",
    "Извини, опаздываю минут на 20",
    "Спасибо большое за помощь!",
    "Где встречаемся?",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Chat:
    """One direct chat: the sender's socket, and the kind of binding its receiver has."""

    def __init__(
        self, kind: str, chat_id: str, sender: ClientConnection, receiver: ClientConnection
    ):
        self.kind = kind
        self.chat_id = chat_id
        self.sender = sender
        self.receiver = receiver
        self.sent_at: dict[str, int] = {}  # request_id -> send time (ns)
        self.message_of: dict[str, str] = {}  # message_id -> request_id


async def setup(http: httpx.AsyncClient, ws_url: str, kind: str) -> Chat:
    tokens, ids = [], []
    for _ in range(2):
        name = f"lat_{uuid.uuid4().hex[:10]}"
        body = {"username": name, "password": "bench-password-1"}
        ids.append((await http.post("/api/v1/auth/register", json=body)).json()["id"])
        tokens.append((await http.post("/api/v1/auth/login", json=body)).json()["token"])
    auth = [{"Authorization": f"Bearer {t}"} for t in tokens]
    chat = (await http.post("/api/v1/chats", json={"partner_id": ids[1]}, headers=auth[0])).json()
    if kind != "plain":
        await http.post(
            f"/api/v1/chats/{chat['id']}/ai-bindings", json={"type": kind}, headers=auth[1]
        )
    sender = await connect(f"{ws_url}/ws?token={tokens[0]}", max_size=None)
    receiver = await connect(f"{ws_url}/ws?token={tokens[1]}", max_size=None)
    return Chat(kind, chat["id"], sender, receiver)


async def read(chat: Chat, samples: dict[str, list[int]], sender: bool) -> None:
    """Record the latencies one side of the chat sees."""
    async for raw in chat.sender if sender else chat.receiver:
        now = time.monotonic_ns()
        frame = orjson.loads(raw)
        kind = frame.get("type")
        if kind == "message_sent":
            chat.message_of[frame["message_id"]] = frame["request_id"]
            samples[f"ack in {chat.kind} chats"].append(now - chat.sent_at[frame["request_id"]])
        elif kind == "ai_advice" and frame.get("in_reply_to") in chat.message_of:
            request_id = chat.message_of[frame["in_reply_to"]]
            samples["advice arrives"].append(now - chat.sent_at[request_id])
        elif kind == "new_message" and frame["message"]["ai_generated"] and sender:
            # The reply answers the sender's latest message; match it by seq order.
            latest = max(chat.sent_at.values())
            samples["autoreply arrives"].append(now - latest)


def start_server(args: argparse.Namespace, port: int) -> subprocess.Popen[bytes]:
    """A fresh `hubbub serve` on its own data dir, with every budget out of the way."""
    data = Path(tempfile.mkdtemp(prefix="hubbub-ai-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBBUB_")}
    env.update(
        HUBBUB_DATA_DIR=str(data),
        HUBBUB_LOG_LEVEL="warning",
        HUBBUB_RATE_LIMIT_PER_MINUTE="10000000",
        HUBBUB_WS_RATE_LIMIT_PER_MINUTE="10000000",
        HUBBUB_AI_CALLS_PER_MINUTE="10000000",
        HUBBUB_AI_CALLS_PER_DAY="10000000",
        PYTHONPATH=str(ROOT / "src"),
    )
    argv = [sys.executable, "-m", "hubbub", "serve", "--port", str(port)]
    if args.server_cpu:
        argv = ["taskset", "-c", args.server_cpu, *argv]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


async def run(args: argparse.Namespace, port: int) -> dict[str, dict[str, float | int | None]]:
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        for _ in range(300):
            try:
                if (await http.get("/healthz")).status_code == 200:
                    break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        chats = [
            await setup(http, f"ws://127.0.0.1:{port}", kind)
            for kind in itertools.islice(itertools.cycle(KINDS), args.pairs)
        ]
    await asyncio.sleep(args.warmup)  # the model loads in the background at start-up
    samples: dict[str, list[int]] = defaultdict(list)
    readers = [
        asyncio.create_task(read(chat, samples, sender))
        for chat in chats
        for sender in (True, False)
    ]
    lines = itertools.cycle(LINES)
    targets = itertools.cycle(chats)
    interval = 1 / args.rate
    started = time.monotonic()
    n = 0
    while time.monotonic() - started < args.seconds:
        chat = next(targets)
        request_id = f"r{n}"
        chat.sent_at[request_id] = time.monotonic_ns()
        frame = {
            "type": "message",
            "chat_id": chat.chat_id,
            "text": next(lines),
            "request_id": request_id,
        }
        await chat.sender.send(orjson.dumps(frame).decode())
        n += 1
        await asyncio.sleep(max(0.0, started + n * interval - time.monotonic()))
    await asyncio.sleep(args.drain)
    for task in readers:
        task.cancel()
    for chat in chats:
        await chat.sender.close()
        await chat.receiver.close()
    return {name: latency_summary_ms(values) for name, values in sorted(samples.items())}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pairs", type=int, default=30, help="direct chats (a third of each kind)")
    parser.add_argument("--rate", type=float, default=10.0, help="messages per second in all")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--warmup", type=float, default=5.0, help="wait for the model to load")
    parser.add_argument("--drain", type=float, default=5.0, help="wait for the last answers")
    parser.add_argument("--server-cpu", default="", help="taskset core list for the server")
    args = parser.parse_args()
    port = free_port()
    server = start_server(args, port)
    try:
        results = asyncio.run(run(args, port))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(30)
    print(f"{'measure':<26} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, f in results.items():
        print(f"{name:<26} {f['count']:>6} {f['p50']:>8} {f['p95']:>8} {f['max']:>8}")


if __name__ == "__main__":
    main()
