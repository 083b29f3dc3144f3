"""The verdict vocabulary shared by the runner, the grading, the gate and the reports."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import pytest


class Level(enum.Enum):
    """Requirement level of a scenario or of one check (design.md, "Grading")."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    REFERENCE = "REFERENCE"

    @property
    def rank(self) -> int:
        return {"MUST": 0, "SHOULD": 1, "REFERENCE": 2}[self.value]

    def weaker(self, other: Level) -> Level:
        """The lower of two levels (REFERENCE < SHOULD < MUST)."""
        return self if self.rank >= other.rank else other


class Outcome(enum.Enum):
    PASS = "pass"
    NON_STRICT = "non-strict"
    FAIL = "fail"
    UNSUPPORTED = "unsupported"
    XFAIL = "xfail"  # failed, as the target profile's expected failures say
    XPASS = "xpass"  # listed as an expected failure but passed: fails the gate
    ERROR = "error"  # the case or the harness is broken (exit code 2)


@dataclass(frozen=True)
class CheckFailure:
    """One check that did not hold, at the level it is graded at."""

    level: Level
    step: str  # e.g. "step 3 (send chats_get_chats as alice)" with its YAML file:line
    message: str  # expected vs got, on a few lines


@dataclass
class ScenarioResult:
    """Everything known about one run of one scenario; the reports are made from a list of these."""

    case_id: str
    title: str
    level: Level
    spec_section: str
    spec_tag: str
    source: str  # "cases/groups/create.yaml:12"
    outcome: Outcome
    duration_s: float = 0.0
    failures: list[CheckFailure] = field(default_factory=list)
    reason: str = ""  # unsupported / xfail / error reason
    trace: str = ""  # decoded frame trace of every socket, for failures
    requirements: list[str] = field(default_factory=list)
    covers: list[str] = field(default_factory=list)


# Where the core plugin leaves each scenario item's verdict, for the gate and the reports to read.
RESULT_KEY = pytest.StashKey[ScenarioResult]()

# Set on `config.stash` by the core plugin when the target cannot be reached (the reason, one line):
# the gate then ends the run with exit code 3 instead of reporting every scenario as failed.
UNREACHABLE_KEY = pytest.StashKey[str]()


def result_to_dict(result: ScenarioResult) -> dict[str, object]:
    """A JSON-ready form (enums as their values); travels on test reports across pytest-xdist workers."""
    return {
        "case_id": result.case_id,
        "title": result.title,
        "level": result.level.value,
        "spec_section": result.spec_section,
        "spec_tag": result.spec_tag,
        "source": result.source,
        "outcome": result.outcome.value,
        "duration_s": result.duration_s,
        "failures": [{"level": f.level.value, "step": f.step, "message": f.message} for f in result.failures],
        "reason": result.reason,
        "trace": result.trace,
        "requirements": list(result.requirements),
        "covers": list(result.covers),
    }


def result_from_dict(data: dict[str, object]) -> ScenarioResult:
    failures = data.get("failures", [])
    assert isinstance(failures, list)
    return ScenarioResult(
        case_id=str(data["case_id"]),
        title=str(data["title"]),
        level=Level(data["level"]),
        spec_section=str(data["spec_section"]),
        spec_tag=str(data["spec_tag"]),
        source=str(data["source"]),
        outcome=Outcome(data["outcome"]),
        duration_s=float(data.get("duration_s", 0.0)),  # type: ignore[arg-type]
        failures=[CheckFailure(Level(f["level"]), str(f["step"]), str(f["message"])) for f in failures],
        reason=str(data.get("reason", "")),
        trace=str(data.get("trace", "")),
        requirements=[str(r) for r in data.get("requirements", [])],  # type: ignore[attr-defined]
        covers=[str(c) for c in data.get("covers", [])],  # type: ignore[attr-defined]
    )
