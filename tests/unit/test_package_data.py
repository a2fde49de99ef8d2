"""Every data file of the package ships in the wheel (and so in the container image).

An editable install reads files straight from src/, so a file that `[tool.setuptools.package-data]`
does not list works in development and is silently missing from the image: the assistant's
precomputed bank index was, and every container start embedded the whole bank (43 s)."""

import fnmatch
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "hubbub"
CODE = {".py", ".pyi", ".pyc", ".md"}  # code, and notes for developers (web/README.md)


def test_every_data_file_of_the_package_is_listed_as_package_data() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["hubbub"]
    data_files = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*")
        if path.is_file() and path.suffix not in CODE and "__pycache__" not in path.parts
    ]
    assert data_files, "no data files found: is the package where this test looks?"
    unlisted = [name for name in data_files if not any(fnmatch.fnmatch(name, p) for p in patterns)]
    assert not unlisted, f"not in [tool.setuptools.package-data]: {unlisted}"
