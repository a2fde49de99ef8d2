"""The import contracts are generic (issue 12): a context added under hubbub/contexts/ is
covered the day it is written. Run import-linter with the project's contracts over a small
hubbub tree holding a brand-new context: reaching into another context's internals, or a
cycle between contexts, breaks a contract without anyone listing the new context."""

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def named_modules() -> set[str]:
    """Every module the contracts name without a wildcard (they must exist)."""
    config = tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]
    names: set[str] = set()
    for contract in config["contracts"]:
        for key in ("source_modules", "forbidden_modules", "protected_modules", "modules"):
            names.update(contract.get(key, ()))
        names.update(contract.get("allowed_importers", ()))
        names.update(contract.get("ancestors", ()))
    return {n for n in names if "*" not in n}


def write_tree(base: Path, modules: dict[str, str]) -> None:
    for name in sorted(named_modules() | set(modules)):
        parts = name.split(".")
        for depth in range(1, len(parts) + 1):
            package = base.joinpath(*parts[:depth])
            package.mkdir(exist_ok=True)
            (package / "__init__.py").touch()
    for name, source in modules.items():
        (base.joinpath(*name.split(".")) / "__init__.py").write_text(source)


def lint(base: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(base)}
    done = subprocess.run(
        [str(LINT_IMPORTS), "--config", str(PYPROJECT), "--no-cache"],
        cwd=base,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.stdout + done.stderr


CONTEXTS = {
    "hubbub.contexts.users": "from hubbub.contexts.users.api import UsersApi\n",
    "hubbub.contexts.users.api": "class UsersApi: ...\n",
    "hubbub.contexts.users.service": "class LocalUsersApi: ...\n",
    "hubbub.contexts.users.store": "",
}


@pytest.mark.parametrize(
    ("newcomer", "broken"),
    [
        (
            {"hubbub.contexts.brandnew.service": "from hubbub.contexts.users import UsersApi\n"},
            None,
        ),
        (
            {
                "hubbub.contexts.brandnew.service": (
                    "from hubbub.contexts.users.service import LocalUsersApi\n"
                )
            },
            "A context meets the others only through their public face",
        ),
        (
            {
                "hubbub.contexts.brandnew": "from hubbub.contexts.users import UsersApi\n",
                "hubbub.contexts.users.service": "from hubbub.contexts.brandnew import x\n",
            },
            "Contexts depend on each other without cycles",
        ),
        (
            {"hubbub.contexts.brandnew.service": "from hubbub.contexts.brandnew.store import s\n"},
            "Only wiring assembles a context from its store",
        ),
        (
            {"hubbub.contexts.brandnew.routes": "import hubbub.bootstrap\n"},
            "No context reaches the process assembly",
        ),
    ],
    ids=["public-face-ok", "internals", "cycle", "store", "bootstrap"],
)
def test_a_new_context_is_covered_without_being_listed(
    tmp_path: Path, newcomer: dict[str, str], broken: str | None
) -> None:
    write_tree(tmp_path, {**CONTEXTS, "hubbub.contexts.brandnew.store": "", **newcomer})

    report = lint(tmp_path)

    if broken is None:
        assert "0 broken" in report, report
    else:
        line = next((ln for ln in report.splitlines() if ln.startswith(broken)), "")
        assert "BROKEN" in line, report
        assert "brandnew" in report, report
