"""Small, dependency-free statistics: medians of repeated, alternating rounds (noisy shared machines)."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else float("nan")


def describe(values: Sequence[float], unit: str) -> str:
    """`median 1234 unit (min 1000, max 1500, n=5)` for a figure's detail."""
    if not values:
        return "no samples"
    return f"median {median(values):,.0f} {unit} (min {min(values):,.0f}, max {max(values):,.0f}, n={len(values)})"
