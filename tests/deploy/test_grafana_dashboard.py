"""The Grafana dashboard as code (deploy/grafana/): well formed, on the provisioned datasource,
covering what the design asks to watch. Grafana itself cannot run here (no package, no image
registry); every panel's query is evaluated against a real Prometheus in test_prometheus.py."""

from __future__ import annotations

import json
from typing import Any

import yaml
from deploy_podman import REPO

GRAFANA = REPO / "deploy" / "grafana"


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((GRAFANA / "dashboards" / "hubbub.json").read_text())
    return loaded


def test_panels_use_the_provisioned_prometheus_and_do_not_overlap() -> None:
    [datasource] = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )["datasources"]
    assert datasource["url"] == "http://prometheus:9090"
    board = dashboard()
    assert board["uid"] == "hubbub-overview"
    panels = board["panels"]
    assert len({p["id"] for p in panels}) == len(panels)
    cells: set[tuple[int, int]] = set()
    for panel in panels:
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24
        mine = {
            (x, y)
            for x in range(box["x"], box["x"] + box["w"])
            for y in range(box["y"], box["y"] + box["h"])
        }
        assert not mine & cells, f"{panel['title']} overlaps another panel"
        cells |= mine
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == datasource["uid"]
            assert panel["targets"] and all(t["expr"] for t in panel["targets"])
            assert all(t["datasource"]["uid"] == datasource["uid"] for t in panel["targets"])


def test_the_dashboard_shows_what_the_design_asks_to_watch() -> None:
    titles = " | ".join(p["title"] for p in dashboard()["panels"]).lower()
    for topic in (
        "connections",
        "messages in and delivered",
        "delivery latency",
        "rest latency",
        "rest errors",
        "grpc latency",
        "grpc errors",
        "bus lag",
        "dead-lettered",
        "assistant jobs",
        "mood",
        "cpu",
        "memory",
    ):
        assert topic in titles, topic


def test_compose_provisions_the_datasource_and_the_dashboard() -> None:
    grafana = yaml.safe_load((REPO / "compose.scaled.yaml").read_text())["services"]["grafana"]
    mounts = {v.split(":")[0]: v.split(":")[1] for v in grafana["volumes"]}
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    [provider] = yaml.safe_load(
        (GRAFANA / "provisioning" / "dashboards" / "hubbub.yml").read_text()
    )["providers"]
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home == f"{provider['options']['path']}/hubbub.json"
