"""The properties a scenario adds to pytest's `--junitxml` testcase (through `item.user_properties`)."""

from __future__ import annotations

from conformance.outcome import ScenarioResult
from conformance.reports.model import area_of


def junit_properties(result: ScenarioResult) -> list[tuple[str, str]]:
    """case id, level, area, spec section and tag, and the graded outcome, as JUnit <property> pairs."""
    return [
        ("case_id", result.case_id),
        ("level", result.level.value),
        ("area", area_of(result)),
        ("spec_section", result.spec_section),
        ("spec_tag", result.spec_tag),
        ("outcome", result.outcome.value),
    ]
