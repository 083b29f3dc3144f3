"""Builders of ScenarioResult objects, so the gate and the reports are tested without running scenarios."""

from __future__ import annotations

from conformance.outcome import CheckFailure, Level, Outcome, ScenarioResult


def make_result(
    case_id: str = "groups.create.owner-flag",
    outcome: Outcome = Outcome.PASS,
    level: Level = Level.MUST,
    *,
    message: str = "",
    trace: str = "",
    reason: str = "",
    title: str | None = None,
) -> ScenarioResult:
    step = "step 1 (send chats_create_chat as alice) cases/x.yaml:9"
    failures = [CheckFailure(level, step, message)] if message else []
    return ScenarioResult(
        case_id=case_id,
        title=title if title is not None else f"title of {case_id}",
        level=level,
        spec_section="10.3",
        spec_tag="DOC",
        source=f"cases/{case_id.split('.')[0]}/x.yaml:3",
        outcome=outcome,
        duration_s=0.25,
        failures=failures,
        reason=reason,
        trace=trace,
        requirements=[f"{case_id}.req"],
        covers=["chats_create_chat"],
    )
