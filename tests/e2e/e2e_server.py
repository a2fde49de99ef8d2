"""Run the real `python -m hubbub serve` process for the end-to-end tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ClassVar

import httpx

SRC_DIR = Path(__file__).resolve().parents[2] / "src"
START_TIMEOUT = 90.0
"""A healthy start takes a few seconds (two models load); several servers starting side by
side on a small, busy CI machine (2 cores) have taken over 30 s. A server that never starts
still fails, with its log."""
STOP_TIMEOUT = 10.0
DEFAULT_RATE_LIMIT = 100_000


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def hubbub_env(data_dir: Path, *, rate_limit: int, extra: dict[str, str]) -> dict[str, str]:
    """The environment of a hubbub process: this one's, minus any HUBBUB_* of the developer's
    shell (a test states all of its settings), plus `extra`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("HUBBUB_")}
    env.update(
        HUBBUB_DATA_DIR=str(data_dir),
        HUBBUB_RATE_LIMIT_PER_MINUTE=str(rate_limit),
        HUBBUB_LOG_LEVEL="warning",
        PYTHONPATH=os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH")])),
    )
    env.update(extra)
    # The tests send bursts (concurrent requests, frames in a loop): unless a test sets a
    # burst, its whole per-minute budget may come at once.
    env.setdefault("HUBBUB_RATE_LIMIT_BURST", env["HUBBUB_RATE_LIMIT_PER_MINUTE"])
    env.setdefault("HUBBUB_WS_RATE_LIMIT_BURST", env.get("HUBBUB_WS_RATE_LIMIT_PER_MINUTE", "1200"))
    env.setdefault("HUBBUB_AI_CALLS_BURST", env.get("HUBBUB_AI_CALLS_PER_MINUTE", "20"))
    return env


class ServerProcess:
    """One hubbub server subprocess of a role (`all`, `gateway`, `relay`) on its own data
    dir; it can be restarted on the same dir. Every role serves /healthz on its port."""

    live: ClassVar[list[ServerProcess]] = []

    def __init__(
        self,
        data_dir: Path,
        *,
        rate_limit: int = DEFAULT_RATE_LIMIT,
        env: dict[str, str] | None = None,
        role: str = "all",
        keep_port: bool = False,
        wait_for_model: bool = True,
    ) -> None:
        self.data_dir = data_dir
        self.role = role
        # Restarted on the port it first got, as a deployment behind a fixed address would
        # be (a browser page keeps its origin and only has to reconnect).
        self.keep_port = keep_port
        # Return from start() only once the assistant's model is no longer loading (tests
        # that check /readyz or time the first advice expect a warm process).
        self.wait_for_model = wait_for_model
        self.rate_limit = rate_limit
        self.extra_env = env or {}
        self.log_path = data_dir.with_name(f"{data_dir.name}.log")
        self.port = 0
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def tls(self) -> bool:
        """Serving HTTPS itself (given a certificate)."""
        return "HUBBUB_TLS_CERTFILE" in self.extra_env

    @property
    def base_url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"{'wss' if self.tls else 'ws'}://127.0.0.1:{self.port}"

    @property
    def proc(self) -> subprocess.Popen[bytes]:
        assert self._proc is not None, "server not started"
        return self._proc

    def start(self) -> None:
        """Spawn the server on a fresh port (or its first one again, with `keep_port`) and
        block until GET /healthz answers 200."""
        if not (self.keep_port and self.port):
            self.port = free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = hubbub_env(self.data_dir, rate_limit=self.rate_limit, extra=self.extra_env)
        argv = [sys.executable, "-m", "hubbub", "serve", self.role, "--host", "127.0.0.1"]
        with self.log_path.open("ab") as log:
            self._proc = subprocess.Popen(
                [*argv, "--port", str(self.port)],
                env=env,
                cwd=self.data_dir.parent,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        ServerProcess.live.append(self)
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        # (Readiness only: the TLS tests check the certificate themselves.)
        with httpx.Client(timeout=2.0, verify=False) as client:
            while time.monotonic() < deadline:
                code = self.proc.poll()
                if code is not None:
                    self._forget()
                    raise RuntimeError(
                        f"hubbub {self.role} exited with {code} on start:\n{self.log_tail()}"
                    )
                try:
                    if client.get(f"{self.base_url}/healthz").status_code == 200 and (
                        not self.wait_for_model or not self.model_loading(client)
                    ):
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        self.kill()
        raise RuntimeError(
            f"hubbub {self.role} not healthy after {START_TIMEOUT}s:\n{self.log_tail()}"
        )

    def model_loading(self, client: httpx.Client) -> bool:
        """Whether /readyz says a model (the assistant's, the mood analyser's) is still loading."""
        checks = client.get(f"{self.base_url}/readyz").json().get("checks", {})
        return any(checks.get(name) == "loading" for name in ("assistant_model", "mood_model"))

    def terminate(self) -> None:
        """Send SIGTERM without waiting."""
        self.proc.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        """Wait for the process to exit and return its exit code."""
        code = self.proc.wait(timeout)
        self._forget()
        return code

    def kill(self) -> None:
        """SIGKILL the process and reap it."""
        self.proc.kill()
        self.wait(STOP_TIMEOUT)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if the process is still running after STOP_TIMEOUT."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self.terminate()
            try:
                self.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.kill()
        self._forget()

    def log_tail(self, lines: int = 60) -> str:
        """The last lines the server wrote to stdout/stderr."""
        if not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _forget(self) -> None:
        if self in ServerProcess.live:
            ServerProcess.live.remove(self)


@contextmanager
def running_server(
    data_dir: Path,
    *,
    rate_limit: int = DEFAULT_RATE_LIMIT,
    env: dict[str, str] | None = None,
    role: str = "all",
) -> Iterator[ServerProcess]:
    """Start a server for the duration of the block and always stop it afterwards."""
    server = ServerProcess(data_dir, rate_limit=rate_limit, env=env, role=role)
    try:
        server.start()
        yield server
    finally:
        server.stop()
