"""deploy/k8s/: every overlay renders with kustomize, passes kubernetes-validate strictly, and
keeps the invariants an operator relies on (probes, resources, graceful termination, every
role deployed, images and ports that agree)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from deploy_k8s import OVERLAYS, Manifest, of_kind, pod_specs, render
from deploy_podman import REPO

from hubbub.roles import ROLES

pytestmark = pytest.mark.timeout(300)

PORT = 8080
EMBEDDED_ROLES = {"all"}
"""The embedded overlay runs `all`; the scaled one runs every other role."""


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path, list[Manifest]]:
    name: str = request.param
    rendered, manifests = render(name, tmp_path_factory.mktemp(name))
    return name, rendered, manifests


def test_there_are_an_embedded_and_a_scaled_overlay() -> None:
    assert OVERLAYS == ["embedded", "scaled"]


def test_every_overlay_passes_kubernetes_validate_strictly(
    overlay: tuple[str, Path, list[Manifest]],
) -> None:
    _, rendered, manifests = overlay
    validate = Path(sys.executable).parent / "kubernetes-validate"
    done = subprocess.run(
        [str(validate), "--strict", "--quiet", str(rendered)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    kinds = {m["kind"] for m in manifests}
    assert {
        "Deployment",
        "Service",
        "Ingress",
        "PodDisruptionBudget",
        "ConfigMap",
        "Secret",
        "NetworkPolicy",
    } <= kinds


def test_every_deployment_has_probes_resources_and_drains_before_it_is_killed(
    overlay: tuple[str, Path, list[Manifest]],
) -> None:
    _, _, manifests = overlay
    [config] = of_kind(manifests, "ConfigMap")
    drain = float(config["data"]["HUBBUB_SHUTDOWN_GRACE_SECONDS"])
    for deployment in of_kind(manifests, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        [container] = pod["containers"]
        name = deployment["metadata"]["name"]
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        for kind in ("requests", "limits"):
            assert set(container["resources"][kind]) == {"cpu", "memory"}, name
        pre_stop = float(container["lifecycle"]["preStop"]["exec"]["command"][-1])
        assert pod["terminationGracePeriodSeconds"] > pre_stop + drain, name
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["readOnlyRootFilesystem"] is True


def test_every_role_of_roles_py_is_deployed_by_an_overlay(tmp_path: Path) -> None:
    deployed: dict[str, set[str]] = {}
    for name in OVERLAYS:
        _, manifests = render(name, tmp_path / name)
        deployed[name] = {
            d["spec"]["template"]["spec"]["containers"][0]["args"][1]
            for d in of_kind(manifests, "Deployment")
        }
        for deployment in of_kind(manifests, "Deployment"):
            [container] = deployment["spec"]["template"]["spec"]["containers"]
            role = container["args"][1]
            assert container["args"] == ["serve", role]
            assert deployment["metadata"]["name"] == f"hubbub-{role}"
            labels = deployment["spec"]["template"]["metadata"]["labels"]
            assert labels["app.kubernetes.io/component"] == role
            assert labels["hubbub.dev/serves-clients"] == str(ROLES[role].serves_clients).lower()
    assert deployed["embedded"] == EMBEDDED_ROLES
    # A role added to roles.py fails here until deploy/k8s/roles/<role> is in the overlay.
    assert deployed["scaled"] == set(ROLES) - EMBEDDED_ROLES


def test_images_ports_and_names_agree(overlay: tuple[str, Path, list[Manifest]]) -> None:
    _, _, manifests = overlay
    dockerfile = (REPO / "Dockerfile").read_text()
    assert f"EXPOSE {PORT}" in dockerfile and f"HUBBUB_PORT={PORT}" in dockerfile
    hubbub_images = set()
    for name, pod in pod_specs(manifests):
        for container in pod["containers"]:
            if container["image"].startswith("hubbub"):
                hubbub_images.add(container["image"])
                assert re.fullmatch(r"hubbub:[\w.-]+", container["image"]), name
    assert len(hubbub_images) == 1, f"one image for every role and the Job: {hubbub_images}"

    for deployment in of_kind(manifests, "Deployment"):
        template = deployment["spec"]["template"]
        [container] = template["spec"]["containers"]
        assert container["ports"] == [{"name": "http", "containerPort": PORT}]
        assert template["metadata"]["annotations"]["prometheus.io/port"] == str(PORT)
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            assert container[probe]["httpGet"]["port"] == "http"

    services = {s["metadata"]["name"]: s for s in of_kind(manifests, "Service")}
    pods = [d["spec"]["template"]["metadata"]["labels"] for d in of_kind(manifests, "Deployment")]
    for service in services.values():
        selector = service["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in pods), service["metadata"]
        assert all(port["targetPort"] == "http" for port in service["spec"]["ports"])
    for ingress in of_kind(manifests, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                assert path["backend"]["service"]["name"] in services


def test_each_role_has_a_headless_service_a_budget_and_gateways_autoscale(
    overlay: tuple[str, Path, list[Manifest]],
) -> None:
    _, _, manifests = overlay
    names = {(m["kind"], m["metadata"]["name"]) for m in manifests}
    for deployment in of_kind(manifests, "Deployment"):
        name = deployment["metadata"]["name"]
        assert ("PodDisruptionBudget", name) in names
        [service] = [s for s in of_kind(manifests, "Service") if s["metadata"]["name"] == name]
        assert service["spec"]["clusterIP"] == "None"
    for hpa in of_kind(manifests, "HorizontalPodAutoscaler"):
        assert ("Deployment", hpa["spec"]["scaleTargetRef"]["name"]) in names
    scaled_gateway = ("Deployment", "hubbub-gateway") in names
    assert scaled_gateway == any(
        h["spec"]["scaleTargetRef"]["name"] == "hubbub-gateway"
        for h in of_kind(manifests, "HorizontalPodAutoscaler")
    )


def test_settings_and_secrets_reach_every_hubbub_container(
    overlay: tuple[str, Path, list[Manifest]],
) -> None:
    name, _, manifests = overlay
    [config] = of_kind(manifests, "ConfigMap")
    [secret] = of_kind(manifests, "Secret")
    assert "HUBBUB_JWT_SECRET" in secret["data"]
    if name == "scaled":
        assert {"HUBBUB_DATABASE_URL", "HUBBUB_REDIS_URL", "HUBBUB_BUS_URL"} <= set(secret["data"])
        assert {m["kind"] for m in manifests} >= {"Job", "CronJob", "HorizontalPodAutoscaler"}
    for workload, pod in pod_specs(manifests):
        for container in pod["containers"]:
            sources = {
                next(iter(source.values()))["name"] for source in container.get("envFrom", [])
            }
            assert secret["metadata"]["name"] in sources, workload
            if container["image"].startswith("hubbub"):
                assert config["metadata"]["name"] in sources, workload
