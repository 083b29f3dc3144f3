"""The failure text of a scenario (Tavern-like): each failing step with its YAML, expected vs got, the frames."""

from __future__ import annotations

from conformance.outcome import ScenarioResult


def render_result(result: ScenarioResult) -> str:
    lines = [
        f"{result.outcome.value}: {result.case_id} "
        f"[{result.level.value}, semantics.md §{result.spec_section} {result.spec_tag}]"
    ]
    lines.append(f"  {result.title}")
    lines.append(f"  at {result.source}")
    if result.reason:
        lines.append(result.reason)
    for failure in result.failures:
        lines.append("")
        lines.append(f"{failure.step} (graded {failure.level.value})")
        lines.append(failure.message)
    if result.trace:
        lines.append("")
        lines.append("frames:")
        lines.append(result.trace)
    return "\n".join(lines)
