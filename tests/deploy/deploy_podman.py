"""podman for the deploy tests: the settings this machine needs, the images (built once per
session, cached by podman between runs) and small helpers around the command line."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONTAINERS_CONF = REPO / "deploy" / "podman" / "containers.conf"
IMAGE = os.environ.get("HUBBUB_TEST_IMAGE", "localhost/hubbub:test")


def podman_env() -> dict[str, str]:
    """The environment for podman and podman-compose (deploy/podman/containers.conf)."""
    return {**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)}


def require(*commands: str) -> None:
    """Skip without the commands, or fail when CI is set (CI must run these tests)."""
    missing = [c for c in commands if shutil.which(c) is None]
    if missing:
        packages = "podman runc podman-compose debootstrap"
        message = f"needs {', '.join(missing)} (apt-get install {packages})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def podman(
    *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `podman args…` and return what it printed."""
    done = subprocess.run(
        ["podman", *args],
        env=podman_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if check and done.returncode != 0:
        raise AssertionError(f"podman {' '.join(args)} failed ({done.returncode}):\n{done.stderr}")
    return done


def build_script(script: str, extra_env: dict[str, str] | None = None) -> str:
    """Run a build script of scripts/ and return what it printed (its last line names the image)."""
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / script)],
        env={**podman_env(), **(extra_env or {})},
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    if done.returncode != 0:
        raise AssertionError(f"{script} failed ({done.returncode}):\n{done.stderr[-4000:]}")
    return done.stdout


def wait_http(url: str, *, timeout: float = 60.0, status: int = 200) -> float:
    """Poll `url` until it answers `status`; return how long that took."""
    started = time.monotonic()
    last: object = None
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == status:
                    return time.monotonic() - started
                last = answer.status
        except urllib.error.HTTPError as exc:
            last = exc.code
        except OSError as exc:
            last = exc
        time.sleep(0.05)
    raise AssertionError(f"{url} did not answer {status} within {timeout}s (last: {last})")


def wait_healthy(container: str, *, timeout: float = 90.0) -> None:
    """Run the container's own health check until it passes (no systemd runs it here)."""
    deadline = time.monotonic() + timeout
    while True:
        done = podman("healthcheck", "run", container, check=False, timeout=30)
        if done.returncode == 0:
            return
        if time.monotonic() > deadline:
            logs = podman("logs", "--tail", "30", container, check=False).stderr
            raise AssertionError(f"{container} is not healthy: {done.stdout}{done.stderr}\n{logs}")
        time.sleep(1)
