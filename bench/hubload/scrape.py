"""What the gateways say about a step, from their /metrics: how many group-commit
transactions they ran and how big they were, frames written, fan-out publishes that failed.

Mean batch size tells where a write path waits: batches of one or two at a high rate mean the
writer keeps up; batches growing towards the cap (256) mean every transaction is slow (the
commit, or whatever the writer does per message after it).
"""

from __future__ import annotations

from typing import Any

from .client import HubClient

COMMITS = "hubbub_message_write_batch_size_count"
COMMITTED = "hubbub_message_write_batch_size_sum"
FRAMES = "hubbub_messages_delivered_total"
PUBLISH_ERRORS = "hubbub_fanout_publish_errors_total"
NAMES = (COMMITS, COMMITTED, FRAMES, PUBLISH_ERRORS)

Sample = list[dict[str, float | None]]  # one dict per gateway


class Scraper:
    """Reads the counters of every gateway at the start and end of a measured window."""

    def __init__(self, hubs: list[HubClient]) -> None:
        self.hubs = hubs

    async def sample(self) -> Sample:
        """The counters of every gateway now."""
        return [await hub.metrics(NAMES) for hub in self.hubs]


def _delta(before: dict[str, float | None], after: dict[str, float | None], name: str) -> float:
    """Increase of a counter; a counter not exported yet (never incremented) counts as 0."""
    return (after.get(name) or 0.0) - (before.get(name) or 0.0)


def step_figures(before: Sample, after: Sample, seconds: float) -> list[dict[str, Any]]:
    """Per gateway: transactions/s, mean messages per transaction, frames/s, publish errors
    (all None for a gateway whose /metrics did not answer at either end of the window)."""
    figures: list[dict[str, Any]] = []
    for b, a in zip(before, after, strict=True):
        if b.get(COMMITS) is None or a.get(COMMITS) is None:
            figures.append(dict.fromkeys(("commits_per_s", "mean_batch", "frames_per_s")))
            figures[-1]["publish_errors"] = None
            continue
        commits, committed = _delta(b, a, COMMITS), _delta(b, a, COMMITTED)
        figures.append(
            {
                "commits_per_s": round(commits / seconds, 1),
                "mean_batch": round(committed / commits, 1) if commits else None,
                "frames_per_s": round(_delta(b, a, FRAMES) / seconds, 1),
                "publish_errors": int(_delta(b, a, PUBLISH_ERRORS)),
            }
        )
    return figures
