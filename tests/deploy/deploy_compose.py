"""A compose project of the test's own: compose.scaled.yaml in a temporary folder with an
`.env` made from .env.example (test secrets, the local images, free ports), driven with
podman-compose, and brought up in the order its `depends_on` conditions ask for."""

from __future__ import annotations

import json
import re
import secrets
import shutil
import socket
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from deploy_podman import REPO, podman, podman_env, wait_healthy

STACK_FILE = "compose.scaled.yaml"
NOT_RUN_HERE = {"grafana"}
"""Services with no image on this machine (README, "Deploy")."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def env_from_example(overrides: dict[str, str]) -> str:
    """.env.example with `overrides` replacing its values (every key must already be there)."""
    text = (REPO / ".env.example").read_text()
    for key, value in overrides.items():
        text, count = re.subn(rf"^{key}=.*$", f"{key}={value}", text, flags=re.MULTILINE)
        assert count == 1, f"{key} is not in .env.example"
    return text


@dataclass
class ComposeStack:
    """One podman-compose project of compose.scaled.yaml."""

    directory: Path
    name: str = field(default_factory=lambda: f"hubbubtest{uuid.uuid4().hex[:8]}")
    ports: dict[str, int] = field(default_factory=dict)

    @classmethod
    def prepare(cls, directory: Path, image: str, local_images: dict[str, str]) -> ComposeStack:
        stack = cls(directory)
        stack.ports = {
            name: free_port()
            for name in ("HUBBUB", "GATEWAY_1", "GATEWAY_2", "PROMETHEUS", "GRAFANA")
        }
        values = {
            "POSTGRES_PASSWORD": secrets.token_urlsafe(16),
            "REDIS_PASSWORD": secrets.token_urlsafe(16),
            "HUBBUB_JWT_SECRET": secrets.token_urlsafe(48),
            "GRAFANA_ADMIN_PASSWORD": secrets.token_urlsafe(16),
            "HUBBUB_IMAGE": image,
            **local_images,
            **{f"{name}_PUBLISH": f"127.0.0.1:{port}" for name, port in stack.ports.items()},
        }
        # The compose file's own folder is the project's: its .env and its relative paths.
        shutil.copy(REPO / STACK_FILE, directory / STACK_FILE)
        (directory / "deploy").symlink_to(REPO / "deploy")
        (directory / ".env").write_text(env_from_example(values))
        return stack

    def url(self, published: str) -> str:
        return f"http://127.0.0.1:{self.ports[published]}"

    def compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["podman-compose", "--project-name", self.name, "--file", STACK_FILE, *args],
            cwd=self.directory,
            env=podman_env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise AssertionError(f"podman-compose {' '.join(args)}:\n{done.stdout}\n{done.stderr}")
        return done

    def container(self, service: str) -> str:
        return f"{self.name}_{service}_1"

    def services(self) -> list[str]:
        import yaml

        return list(yaml.safe_load((REPO / STACK_FILE).read_text())["services"])

    def start(self, *services: str) -> None:
        for service in services:
            podman("start", self.container(service))

    def up(self) -> None:
        """What `docker compose up` does with the depends_on conditions, step by step.

        podman-compose 1.0 (Debian's) honours no condition and (re)starts every dependency of
        the services it is given, so it only creates the containers (network, volumes,
        settings and health checks from the compose file) and podman starts them in order."""
        self.compose("up", "--no-start", "--no-build", *(set(self.services()) - NOT_RUN_HERE))
        self.start("postgres", "redis", "broker")
        for service in ("postgres", "redis"):
            wait_healthy(self.container(service))
        self.start("migrate")
        exit_code = podman("wait", self.container("migrate"), timeout=120).stdout.strip()
        assert exit_code == "0", podman("logs", self.container("migrate"), check=False).stderr
        roles = [s for s in self.services() if self.is_hubbub_role(s)]
        self.start(*roles)
        for service in roles:
            wait_healthy(self.container(service))
        self.start("lb", "prometheus")
        for service in ("lb", "prometheus"):
            wait_healthy(self.container(service))

    def is_hubbub_role(self, service: str) -> bool:
        import yaml

        spec = yaml.safe_load((REPO / STACK_FILE).read_text())["services"][service]
        command = spec.get("command") or []
        return bool(command) and command[0] == "serve"

    def running(self) -> set[str]:
        listed = podman(
            "ps",
            "--filter",
            f"label=io.podman.compose.project={self.name}",
            "--format",
            "{{.Names}}",
        ).stdout.split()
        prefix = f"{self.name}_"
        return {name.removeprefix(prefix).rsplit("_", 1)[0] for name in listed}

    def stop_gracefully(self, services: list[str]) -> dict[str, int]:
        """SIGTERM each service (30 s before SIGKILL, as compose would) and its exit codes."""
        containers = [self.container(s) for s in services]
        podman("stop", "--time", "30", *containers, timeout=120)
        codes = {}
        for service, container in zip(services, containers, strict=True):
            state = json.loads(podman("inspect", container).stdout)[0]["State"]
            codes[service] = state["ExitCode"]
        return codes

    def down(self) -> None:
        """`down --volumes`, and the project's network (podman-compose 1.0 leaves it)."""
        self.compose("down", "--volumes", timeout=300)
        for network in self.networks():
            podman("network", "rm", network)

    def networks(self) -> list[str]:
        label = f"label=io.podman.compose.project={self.name}"
        return podman("network", "ls", "--filter", label, "--format", "{{.Name}}").stdout.split()

    def leftovers(self) -> list[str]:
        listed = podman(
            "ps",
            "--all",
            "--filter",
            f"label=io.podman.compose.project={self.name}",
            "--format",
            "{{.Names}}",
        ).stdout.split()
        volumes = podman("volume", "ls", "--format", "{{.Name}}").stdout.split()
        return listed + [v for v in volumes if v.startswith(f"{self.name}_")] + self.networks()

    def logs(self, service: str) -> str:
        done = podman("logs", "--tail", "40", self.container(service), check=False)
        return done.stdout + done.stderr
