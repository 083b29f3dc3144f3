"""What every report is made from: the graded results of a run and the run's metadata.

Results travel from xdist workers to the controller as plain dicts (`result_to_dict`), and the JSON report
uses the same shape, so there is one serialisation of a ScenarioResult.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conformance.outcome import CheckFailure, Level, Outcome, ScenarioResult

# Rows and columns of the summary matrices, in reading order.
OUTCOME_ORDER: tuple[Outcome, ...] = (
    Outcome.PASS, Outcome.NON_STRICT, Outcome.FAIL, Outcome.XFAIL, Outcome.XPASS, Outcome.UNSUPPORTED, Outcome.ERROR,
)
LEVEL_ORDER: tuple[Level, ...] = (Level.MUST, Level.SHOULD, Level.REFERENCE)


def area_of(result: ScenarioResult) -> str:
    """The area of a case is the first segment of its id (`groups.create.x` -> `groups`)."""
    return result.case_id.split(".", 1)[0]


def failure_summary(result: ScenarioResult) -> str:
    """One line saying why a case did not pass ("" for a pass)."""
    if result.failures:
        first = result.failures[0]
        # The request that was sent opens most messages; the line after it says what went wrong.
        lines = [line for line in first.message.strip().splitlines() if not line.startswith("sent: ")]
        return f"{first.level.value} check failed at {first.step}: {lines[0] if lines else ''}".rstrip(": ")
    return result.reason.strip().splitlines()[0] if result.reason.strip() else ""


@dataclass(frozen=True)
class RunInfo:
    """Metadata of one run, shown at the top of every report."""

    target: str  # the URL, or "bundled reference server"
    profile: str | None  # the target profile file, if any
    started_at: datetime
    finished_at: datetime
    strict: bool = False
    exit_code: int = 0
    gate_problems: tuple[str, ...] = ()
    update_command: str | None = None  # printed when the expectations disagree with the run


@dataclass(frozen=True)
class RunReport:
    info: RunInfo
    results: tuple[ScenarioResult, ...] = field(default_factory=tuple)

    def counts(self) -> dict[Outcome, int]:
        counter = Counter(result.outcome for result in self.results)
        return {outcome: counter.get(outcome, 0) for outcome in OUTCOME_ORDER}

    def matrix(self, row_of: Callable[[ScenarioResult], str]) -> dict[str, dict[Outcome, int]]:
        """Counts of outcomes per row (a level, an area), rows sorted, every outcome present."""
        rows: dict[str, Counter[Outcome]] = {}
        for result in self.results:
            rows.setdefault(row_of(result), Counter())[result.outcome] += 1
        return {row: {o: rows[row].get(o, 0) for o in OUTCOME_ORDER} for row in sorted(rows)}

    def level_matrix(self) -> dict[str, dict[Outcome, int]]:
        """Like `matrix` by level, with every level present, in MUST, SHOULD, REFERENCE order."""
        by_level = self.matrix(lambda result: result.level.value)
        return {lvl.value: by_level.get(lvl.value, dict.fromkeys(OUTCOME_ORDER, 0)) for lvl in LEVEL_ORDER}


def result_to_dict(result: ScenarioResult) -> dict[str, Any]:
    """A ScenarioResult as JSON-able builtins (the JSON report's `cases[]` item and the xdist transport)."""
    return {
        "id": result.case_id,
        "title": result.title,
        "level": result.level.value,
        "area": area_of(result),
        "spec": {"section": result.spec_section, "tag": result.spec_tag},
        "source": result.source,
        "outcome": result.outcome.value,
        "duration_s": round(result.duration_s, 6),
        "failure_summary": failure_summary(result),
        "failures": [{"level": f.level.value, "step": f.step, "message": f.message} for f in result.failures],
        "reason": result.reason,
        "trace": result.trace,
        "requirements": list(result.requirements),
        "covers": list(result.covers),
    }


def result_from_dict(data: Mapping[str, Any]) -> ScenarioResult:
    """The inverse of `result_to_dict`."""
    return ScenarioResult(
        case_id=data["id"],
        title=data["title"],
        level=Level(data["level"]),
        spec_section=data["spec"]["section"],
        spec_tag=data["spec"]["tag"],
        source=data["source"],
        outcome=Outcome(data["outcome"]),
        duration_s=float(data["duration_s"]),
        failures=[CheckFailure(Level(f["level"]), f["step"], f["message"]) for f in data["failures"]],
        reason=data["reason"],
        trace=data["trace"],
        requirements=list(data["requirements"]),
        covers=list(data["covers"]),
    )
