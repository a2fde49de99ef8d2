"""compose.yaml and compose.scaled.yaml without running them: valid against the compose
specification's schema, every role of roles.py deployed and scraped, every variable
documented in .env.example."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_podman import REPO

from hubbub.roles import ROLES
from hubbub.settings import Settings

COMPOSE_FILES = ["compose.yaml", "compose.scaled.yaml"]
HUBBUB_IMAGE = "${HUBBUB_IMAGE:-hubbub:latest}"
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?][^}]*)?\}")


def load(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO / name).read_text())
    return loaded


def seconds(duration: str) -> float:
    match = re.fullmatch(r"(\d+)(s|m)", duration)
    assert match, duration
    return float(match[1]) * (60 if match[2] == "m" else 1)


def hubbub_services(name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in load(name)["services"].items() if v.get("image") == HUBBUB_IMAGE}


@pytest.mark.parametrize("name", COMPOSE_FILES)
def test_the_compose_file_is_valid_against_the_compose_spec_schema(name: str) -> None:
    # check-jsonschema vendors the compose-spec schema (its licence alongside).
    check = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(check), "--builtin-schema", "vendor.compose-spec", str(REPO / name)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_embedded_default_is_one_container_with_a_volume() -> None:
    [service] = load("compose.yaml")["services"].values()
    assert service["image"] == HUBBUB_IMAGE
    assert service["command"] == ["serve", "all"]
    assert service["volumes"] == ["hubbub-data:/data"]


def test_every_role_of_roles_py_runs_in_the_scaled_compose_file() -> None:
    commands = {tuple(s["command"]) for s in hubbub_services("compose.scaled.yaml").values()}
    served = {command[1] for command in commands if command[0] == "serve"}
    # A role added to roles.py fails here until compose.scaled.yaml runs it (one block).
    assert served == set(ROLES) - {"all"}
    assert ("db", "upgrade") in commands


def test_prometheus_scrapes_every_hubbub_process_of_the_scaled_system() -> None:
    config = yaml.safe_load((REPO / "deploy" / "prometheus" / "prometheus.yml").read_text())
    [job] = [j for j in config["scrape_configs"] if j["job_name"] == "hubbub"]
    targets = {
        target.split(":")[0]: group["labels"]["role"]
        for group in job["static_configs"]
        for target in group["targets"]
    }
    servers = {
        name: service["command"][1]
        for name, service in hubbub_services("compose.scaled.yaml").items()
        if service["command"][0] == "serve"
    }
    assert targets == servers


def test_hubbub_containers_get_more_time_to_stop_than_they_drain() -> None:
    drain = Settings().shutdown_grace_seconds
    for name in COMPOSE_FILES:
        for service, spec in hubbub_services(name).items():
            if spec.get("command", ["serve"])[0] == "serve":
                assert seconds(spec["stop_grace_period"]) > drain + 5, (name, service)


def test_env_example_documents_every_variable_the_compose_files_use() -> None:
    used = set()
    for name in COMPOSE_FILES:
        used |= set(VARIABLE.findall((REPO / name).read_text()))
    documented = set(re.findall(r"^([A-Z0-9_]+)=", (REPO / ".env.example").read_text(), re.M))
    assert used == documented


def test_secrets_come_from_env_and_are_required() -> None:
    text = (REPO / "compose.scaled.yaml").read_text()
    for secret in ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "HUBBUB_JWT_SECRET"):
        assert f"${{{secret}:?" in text, f"{secret} must be required, with no default"
    assert ".env" in (REPO / ".gitignore").read_text().split()


def test_the_ci_workflow_is_valid_and_runs_what_ci_runs() -> None:
    workflow = REPO / ".github" / "workflows" / "ci.yml"
    check = Path(sys.executable).parent / "check-jsonschema"
    done = subprocess.run(
        [str(check), "--builtin-schema", "vendor.github-workflows", str(workflow)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    steps = " ".join(
        str(step.get("run", ""))
        for job in yaml.safe_load(workflow.read_text())["jobs"].values()
        for step in job["steps"]
    )
    for command in ("make lint", "make test", "docker compose -f compose.scaled.yaml config"):
        assert command in steps
