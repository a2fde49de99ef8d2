"""Small statistics helpers: percentiles over latency samples."""

from __future__ import annotations

import math
from collections.abc import Sequence

NS_PER_MS = 1_000_000


def percentile(sorted_values: Sequence[int], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100) of already sorted values."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), math.ceil(q / 100 * len(sorted_values))))
    return float(sorted_values[rank - 1])


def latency_summary_ms(samples_ns: Sequence[int]) -> dict[str, float | int | None]:
    """count, p50, p95, p99, p99.9 and max of nanosecond samples, in milliseconds."""
    ordered = sorted(samples_ns)

    def ms(q: float) -> float | None:
        value = percentile(ordered, q)
        return None if value is None else round(value / NS_PER_MS, 2)

    return {
        "count": len(ordered),
        "p50": ms(50),
        "p95": ms(95),
        "p99": ms(99),
        "p999": ms(99.9),
        "max": round(ordered[-1] / NS_PER_MS, 2) if ordered else None,
    }
