"""The README's curl walk-through, run as written (bash, curl, python3) against a fresh server:
it waits for what it shows rather than sleeping, and it shows what it says it shows."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from e2e_server import ServerProcess

README = Path(__file__).resolve().parents[2] / "README.md"
WRITTEN_FOR = "http://127.0.0.1:8080"
SECTIONS = (
    "## A walk through with curl",
    "### The assistant",
    "### Your diary, its mood, and people with similar moods",
)


def bash_block_after(heading: str, text: str) -> str:
    """The first ```bash block after `heading`."""
    start = text.index(f"\n{heading}\n")
    found = re.compile(r"```bash\n(.*?)```", re.DOTALL).search(text, start)
    assert found, f"no bash block after {heading!r}"
    return found.group(1)


def json_lines(output: str) -> list[dict[str, Any]]:
    """The JSON objects curl printed (one per line; the wait_for loop prints its answer)."""
    found = []
    for line in output.replace("}{", "}\n{").splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


@pytest.mark.timeout(120)
def test_the_curl_walk_through_runs_and_waits_for_the_assistant(own_server: ServerProcess) -> None:
    if not shutil.which("curl"):
        pytest.fail("curl is missing (apt-get install -y curl)")
    readme = README.read_text(encoding="utf-8")
    script = "\n".join(bash_block_after(heading, readme) for heading in SECTIONS)
    assert "sleep 1;" not in script, "the walk-through waits for results, it does not guess"
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script.replace(WRITTEN_FOR, own_server.base_url)],
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert done.returncode == 0, f"{done.stdout}\n{done.stderr}"
    answers = json_lines(done.stdout)

    registered = [a for a in answers if a.get("username") in ("alice", "bob")]
    assert {a["username"] for a in registered} == {"alice", "bob"}, answers
    pages = [a for a in answers if isinstance(a.get("messages"), list)]
    replies = [m for page in pages for m in page["messages"] if m["ai_generated"]]
    assert replies, f"no autoreply shown: {pages}"
    advice = [a for a in answers if isinstance(a.get("advice"), list) and a["advice"]]
    assert advice and advice[-1]["advice"][0]["suggested_reply"], advice
    assert any("job_id" in a for a in answers), "POST …/advice answered no job"
    assert not [a for a in answers if "error" in a], answers
    analysed = [a for a in answers if a.get("tags") == ["life"] and a.get("mood")]
    assert analysed and analysed[0]["mood"]["valence"] > 0, answers
    assert any(isinstance(a.get("days"), list) and a["days"] for a in answers), answers
    assert any(a.get("discoverable") is True for a in answers), answers
    assert any(isinstance(a.get("matches"), list) for a in answers), answers
