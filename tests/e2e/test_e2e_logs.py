"""The log format of a real server follows where stderr goes: a terminal gets readable lines,
anything else (a file, a pipe, a container runtime) JSON lines; HUBBUB_LOG_FORMAT forces one."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from e2e_server import free_port, hubbub_env

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def serve_on_a_terminal(data_dir: Path, *, log_format: str | None) -> list[str]:
    """Run `hubbub serve` with stderr on a pseudo-terminal, load the web client's page, call the
    API once, stop it, and return what it wrote to the terminal (colours removed)."""
    port = free_port()
    extra = {"HUBBUB_LOG_LEVEL": "info"}
    if log_format:
        extra["HUBBUB_LOG_FORMAT"] = log_format
    env = hubbub_env(data_dir, rate_limit=1000, extra=extra)
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hubbub", "serve", "--port", str(port)],
        env=env,
        cwd=data_dir.parent,
        stdout=subprocess.DEVNULL,
        stderr=terminal,
    )
    os.close(terminal)
    output = b""
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        with httpx.Client(base_url=base, timeout=5) as http:
            while time.monotonic() < deadline:
                output += _drain(controller)
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            assert http.get("/").status_code == 200
            assert http.get("/static/js/main.js").status_code == 200
            assert http.get("/api/v1/users/me").status_code == 401
        time.sleep(0.5)
        output += _drain(controller)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(15)
        output += _drain(controller)
        os.close(controller)
    return ANSI.sub("", output.decode("utf-8", "replace")).splitlines()


def _drain(fd: int) -> bytes:
    data = b""
    while select.select([fd], [], [], 0.05)[0]:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # the other side closed
            break
        if not chunk:
            break
        data += chunk
    return data


def test_a_terminal_gets_readable_lines(tmp_path: Path) -> None:
    lines = serve_on_a_terminal(tmp_path / "data", log_format=None)
    assert lines, "nothing logged"
    assert not [line for line in lines if line.lstrip().startswith("{")], lines
    assert any(re.search(r"GET /api/v1/users/me 401 [\d.]+ ms", line) for line in lines), lines
    # The page load (the client's page and its files) makes no line at info level.
    assert not [line for line in lines if "/static/" in line or "GET / " in line], lines
    assert any("Application startup complete" in line for line in lines), lines


def test_json_can_be_asked_for_on_a_terminal(tmp_path: Path) -> None:
    lines = [line for line in serve_on_a_terminal(tmp_path / "data", log_format="json") if line]
    records = [json.loads(line) for line in lines]
    requests = [r for r in records if r.get("event") == "http_request"]
    assert {r["path"] for r in requests} >= {"/", "/static/js/main.js", "/api/v1/users/me"}
    assert all("request_id" in r and "timestamp" in r for r in requests)


def test_a_file_gets_json_lines(tmp_path: Path) -> None:
    """stderr to a file (as every other end-to-end server runs): JSON, by default."""
    port = free_port()
    env = hubbub_env(tmp_path / "data", rate_limit=1000, extra={"HUBBUB_LOG_LEVEL": "info"})
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            [sys.executable, "-m", "hubbub", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            httpx.get(f"http://127.0.0.1:{port}/api/v1/users/me")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(15)
    records = [json.loads(line) for line in log.read_text().splitlines() if line]
    assert any(
        r.get("event") == "http_request" and r["path"] == "/api/v1/users/me" for r in records
    )
