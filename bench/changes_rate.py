"""Do edits and reactions slow the send path? On a real `hubbub serve` (embedded default),
senders send at a fixed total rate over WebSocket and every ack (`message_sent`) latency is
recorded, in rounds that alternate: sends alone, then sends while another client edits and
reacts to recent messages over REST at `--change-rate` per second. Reported: medians over the
rounds of the achieved send rate and the ack latency p50/p95/p99.

`--src DIR` runs the server from another checkout's `src/` (e.g. the commit before issue 15,
extracted with `git archive`) to compare the send path before and after.

    .venv/bin/python bench/changes_rate.py --rate 300 --change-rate 30 --seconds 15 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import orjson
from websockets.asyncio.client import ClientConnection, connect

REACTIONS = ["👍", "❤️", "🎉", "😂"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int, src: str | None) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "HUBBUB_DATA_DIR": str(data_dir),
        "HUBBUB_RATE_LIMIT_PER_MINUTE": "10000000",
        "HUBBUB_WS_RATE_LIMIT_PER_MINUTE": "10000000",
        "HUBBUB_LOG_LEVEL": "warning",
    }
    if src:
        env["PYTHONPATH"] = src
    command = [sys.executable, "-m", "hubbub", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = (data_dir.parent / "server.log").open("wb")
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


async def user(http: httpx.AsyncClient, name: str) -> tuple[str, str]:
    await http.post("/api/v1/auth/register", json={"username": name, "password": "benchmark-pw"})
    answer = await http.post(
        "/api/v1/auth/login", json={"username": name, "password": "benchmark-pw"}
    )
    body = answer.json()
    return body["user"]["id"], body["token"]


class Sender:
    def __init__(self, token: str, chat_id: str, ws_url: str) -> None:
        self.token, self.chat_id, self.ws_url = token, chat_id, ws_url
        self.sent: dict[str, float] = {}
        self.latencies: list[float] = []
        self.message_ids: list[str] = []
        self.ws: ClientConnection | None = None

    async def open(self) -> None:
        self.ws = await connect(f"{self.ws_url}/ws?token={self.token}", max_size=None)
        asyncio.get_running_loop().create_task(self._read())

    async def _read(self) -> None:
        assert self.ws is not None
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                frame = orjson.loads(raw)
                if frame.get("type") == "message_sent":
                    started = self.sent.pop(frame["request_id"], None)
                    if started is not None:
                        self.latencies.append((time.perf_counter() - started) * 1000)
                        self.message_ids.append(frame["message_id"])

    async def run(self, rate: float, seconds: float) -> None:
        assert self.ws is not None
        interval, start, n = 1 / rate, time.perf_counter(), 0
        while (now := time.perf_counter()) - start < seconds:
            due = start + n * interval
            if due > now:
                await asyncio.sleep(due - now)
            request_id = uuid.uuid4().hex
            self.sent[request_id] = time.perf_counter()
            frame = {
                "type": "message",
                "chat_id": self.chat_id,
                "text": f"m{n}",
                "request_id": request_id,
            }
            await self.ws.send(orjson.dumps(frame).decode())
            n += 1


async def changes(
    http: httpx.AsyncClient, senders: list[tuple[Sender, str]], rate: float, seconds: float
) -> int:
    """Edits and reaction toggles on recent messages, `rate` per second; returns how many."""
    done, start, n = 0, time.perf_counter(), 0
    rng = random.Random(7)
    while (now := time.perf_counter()) - start < seconds:
        due = start + n * (1 / rate)
        if due > now:
            await asyncio.sleep(due - now)
        n += 1
        sender, token = rng.choice(senders)
        if not sender.message_ids:
            continue
        message_id = rng.choice(sender.message_ids[-50:])
        url = f"/api/v1/chats/{sender.chat_id}/messages/{message_id}"
        auth = {"Authorization": f"Bearer {token}"}
        kind = n % 3
        if kind == 0:
            answer = await http.patch(
                url,
                json={"text": f"edited {n}"},
                headers={"Authorization": f"Bearer {sender.token}"},
            )
        else:
            emoji = quote(rng.choice(REACTIONS))
            method = http.put if kind == 1 else http.delete
            answer = await method(f"{url}/reactions/{emoji}", headers=auth)
        done += answer.status_code < 300
    return done


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process has used so far (robust to other load on the machine,
    unlike latencies)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def settle(pid: int, wait: float = 120.0) -> None:
    """Wait until the server is idle: start-up work in the background (the assistant's model
    loads on a thread) must not be counted against the first round."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        before = cpu_seconds(pid)
        await asyncio.sleep(1.0)
        if cpu_seconds(pid) - before < 0.03:
            return


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=300, help="messages per second in total")
    parser.add_argument(
        "--change-rate", type=float, default=30, help="edits + reactions per second"
    )
    parser.add_argument("--senders", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--src", default=None, help="run the server from this src/ directory")
    parser.add_argument("--no-changes", action="store_true", help="only the plain rounds")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="hubbub-changes-bench-") as tmp:
        server = start_server(Path(tmp) / "data", port, args.src)
        try:
            base, ws_url = f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}"
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                senders: list[tuple[Sender, str]] = []
                for i in range(args.senders):
                    _, a_token = await user(http, f"s{i}_{uuid.uuid4().hex[:6]}")
                    b_id, b_token = await user(http, f"r{i}_{uuid.uuid4().hex[:6]}")
                    chat = (
                        await http.post(
                            "/api/v1/chats",
                            json={"partner_id": b_id},
                            headers={"Authorization": f"Bearer {a_token}"},
                        )
                    ).json()
                    sender = Sender(a_token, chat["id"], ws_url)
                    await sender.open()
                    senders.append((sender, b_token))
                rows: dict[str, list[tuple[float, float, float, float, int, float]]] = {
                    "plain": [],
                    "with changes": [],
                }
                kinds = ["plain"] if args.no_changes else ["plain", "with changes"]
                await settle(server.pid)
                for _ in range(args.rounds):
                    for kind in kinds:
                        for s, _ in senders:
                            s.latencies.clear()
                        start = time.perf_counter()
                        cpu_before = cpu_seconds(server.pid)
                        jobs = [s.run(args.rate / args.senders, args.seconds) for s, _ in senders]
                        counted = 0
                        if kind == "with changes":
                            results = await asyncio.gather(
                                changes(http, senders, args.change_rate, args.seconds), *jobs
                            )
                            counted = int(results[0])
                        else:
                            await asyncio.gather(*jobs)
                        await asyncio.sleep(1.0)  # the last acks
                        elapsed = time.perf_counter() - start - 1.0
                        cpu = cpu_seconds(server.pid) - cpu_before
                        latencies = [x for s, _ in senders for x in s.latencies]
                        rows[kind].append(
                            (
                                len(latencies) / elapsed,
                                pct(latencies, 0.5),
                                pct(latencies, 0.95),
                                pct(latencies, 0.99),
                                counted,
                                cpu * 1000 / max(1, len(latencies)),
                            )
                        )
            print(
                f"send rate asked: {args.rate:.0f} msg/s; changes asked: "
                f"{args.change_rate:.0f}/s; {args.rounds} rounds of {args.seconds:.0f} s; medians"
            )
            print(
                "| run | msg/s acked | ack p50 ms | ack p95 ms | ack p99 ms | changes/s done "
                "| server CPU ms per message |"
            )
            print("|---|---|---|---|---|---|---|")
            for kind in kinds:
                data = rows[kind]
                med = [statistics.median(column) for column in zip(*data, strict=True)]
                print(
                    f"| {kind} | {med[0]:.0f} | {med[1]:.1f} | {med[2]:.1f} | {med[3]:.1f} "
                    f"| {med[4] / args.seconds:.1f} | {med[5]:.2f} |"
                )
        finally:
            errors = (Path(tmp) / "server.log").read_text(errors="replace").count("Traceback")
            print(f"server log: {errors} tracebacks", file=sys.stderr)
            if errors:
                print(
                    (Path(tmp) / "server.log").read_text(errors="replace")[-3000:], file=sys.stderr
                )
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    asyncio.run(main())
