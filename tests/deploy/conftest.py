"""Fixtures of the deploy tests: the hubbub image and the local stand-ins for public images."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the deploy_* helper modules, in any import mode

from deploy_podman import IMAGE, build_script, require


@pytest.fixture(scope="session")
def hubbub_image() -> str:
    """The image of this checkout, built by scripts/build-image.sh (layers cached by podman)."""
    require("podman", "runc", "debootstrap")
    build_script("build-image.sh", {"HUBBUB_IMAGE": IMAGE})
    return IMAGE


@pytest.fixture(scope="session")
def local_images() -> dict[str, str]:
    """`{"POSTGRES_IMAGE": …, …}`: the compose variables pointing at the local stand-ins."""
    require("podman", "runc", "debootstrap")
    printed = build_script("build-local-images.sh")
    pairs = (line.split("=", 1) for line in printed.splitlines() if "_IMAGE=" in line)
    return dict(pairs)
