"""What every measurement hands back: named figures with a unit, an optional goal, and how they were made.

Each benchmark module runs in its own interpreter (`python -m benchmarks.<module> --json`) and prints one
JSON document; the orchestrator (`python -m benchmarks`) collects them into one table. Keeping the exchange
format in one dataclass means the table, the JSON and the smoke test all agree on what a figure is.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Comparison = Literal[">=", "<="]


@dataclass(frozen=True)
class Goal:
    """A target a figure must reach: `value >= threshold` or `value <= threshold`."""

    comparison: Comparison
    threshold: float

    def met_by(self, value: float) -> bool:
        if math.isnan(value):
            return False
        return value >= self.threshold if self.comparison == ">=" else value <= self.threshold

    def __str__(self) -> str:
        return f"{self.comparison} {self.threshold:g}"


@dataclass(frozen=True)
class Figure:
    """One measured number. `detail` says what exactly was measured (sizes, rounds, the raw rates)."""

    name: str
    value: float
    unit: str
    goal: Goal | None = None
    detail: str = ""

    @property
    def verdict(self) -> str:
        if self.goal is None:
            return ""
        return "met" if self.goal.met_by(self.value) else "MISSED"


@dataclass
class BenchmarkReport:
    """Everything one benchmark module produced, or why it could not run (`error`)."""

    benchmark: str
    command: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0

    def to_json(self) -> str:
        return json.dumps(asdict(self), allow_nan=True)

    @classmethod
    def from_json(cls, text: str) -> BenchmarkReport:
        raw: dict[str, Any] = json.loads(text)
        figures = [_figure_from_dict(item) for item in raw.get("figures", [])]
        return cls(
            benchmark=str(raw["benchmark"]),
            command=str(raw["command"]),
            figures=figures,
            notes=[str(note) for note in raw.get("notes", [])],
            error=str(raw.get("error", "")),
            seconds=float(raw.get("seconds", 0.0)),
        )


def _figure_from_dict(raw: dict[str, Any]) -> Figure:
    goal_raw = raw.get("goal")
    goal = None
    if goal_raw is not None:
        comparison = goal_raw["comparison"]
        if comparison not in (">=", "<="):
            raise ValueError(f"unknown goal comparison {comparison!r}")
        goal = Goal(comparison, float(goal_raw["threshold"]))
    return Figure(
        name=str(raw["name"]),
        value=float(raw["value"]),
        unit=str(raw["unit"]),
        goal=goal,
        detail=str(raw.get("detail", "")),
    )
