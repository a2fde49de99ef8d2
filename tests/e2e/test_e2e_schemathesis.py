"""schemathesis (`--checks all`) against a real `hubbub serve`: every operation of the
OpenAPI document, with generated valid and invalid input, must answer as the document says
(status, headers, body) and never with a 5xx. A finding fails the test, with schemathesis's
report (and the seed to replay it) in the failure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from e2e_server import running_server

pytestmark = pytest.mark.timeout(1500)

HERE = Path(__file__).parent / "schemathesis"
SEED = os.environ.get("HUBBUB_FUZZ_SEED", "20261202")  # fixed: a finding replays the same
EXAMPLES = os.environ.get("HUBBUB_FUZZ_EXAMPLES", "15")


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    username, password = "fuzzer", "fuzzing-password"
    with running_server(tmp_path / "data", rate_limit=10**9) as server:
        register = {"username": username, "password": password}
        httpx.post(f"{server.base_url}/api/v1/auth/register", json=register).raise_for_status()
        env = {
            **os.environ,
            "HUBBUB_FUZZ_BASE_URL": server.base_url,
            "HUBBUB_FUZZ_USERNAME": username,
            "HUBBUB_FUZZ_PASSWORD": password,
            "SCHEMATHESIS_HOOKS": "hooks",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
        }
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "--config-file",
            str(HERE / "schemathesis.toml"),
            "run",
            f"{server.base_url}/openapi.json",
            "--checks",
            "all",
            "--max-examples",
            EXAMPLES,
            "--seed",
            SEED,
            "--workers",
            "1",  # (CPython 3.11's ast is not safe for schemathesis's threads)
            "--no-color",
        ]
        done = subprocess.run(
            command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=1400
        )
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-20_000:]
    # Every generated case passed every check (and there were many: a run that tested
    # nothing would pass too).
    counted = re.search(r"(\d+) generated, (\d+) passed", report)
    assert counted is not None, report[-5_000:]
    assert counted[1] == counted[2] and int(counted[1]) >= 500, counted[0]
