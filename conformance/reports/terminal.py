"""The terminal summary of a graded run: a level x outcome table, the cases that did not pass, the ratchet.

Compact on purpose: it is the last screen of a CI log, so it says what failed and what to do next.
"""

from __future__ import annotations

from conformance.outcome import Outcome
from conformance.reports.model import OUTCOME_ORDER, RunReport, failure_summary

VERDICTS = {
    0: "gate met",
    1: "gate NOT met: conformance failure",
    2: "gate NOT met: case, profile or usage error",
    3: "gate NOT met: target unreachable",
}


def summary_lines(report: RunReport, *, unreachable: str | None = None, other_failures: int = 0) -> list[str]:
    """`other_failures`: tests of the same session that are not scenarios (a project's own unit tests run
    together with its cases) and failed; they fail the gate too, and the verdict says so rather than blame
    a conformance case that passed."""
    info = report.info
    lines = [f"target: {info.target}" + (f" (profile {info.profile})" if info.profile else "")
             + (", strict" if info.strict else "")]
    if unreachable:
        lines.append(f"target unreachable: {unreachable}")
    lines += _table(report)
    not_passed = sorted((r for r in report.results if r.outcome is not Outcome.PASS),
                        key=lambda r: (OUTCOME_ORDER.index(r.outcome), r.case_id))
    if not_passed:
        lines.append("")
        lines.append("not passed:")
        for result in not_passed:
            lines.append(f"  {result.outcome.value:<11} {result.level.value:<9} {result.case_id}"
                         + (f"  ({result.source})" if result.source else ""))
            reason = result.reason.strip().splitlines()[0] if result.reason.strip() else ""
            for why in dict.fromkeys(filter(None, [reason, failure_summary(result)])):
                lines.append(f"      {why[:200]}")
    if info.gate_problems:
        lines.append("")
        lines.append("expectations:")
        lines += [f"  {problem}" for problem in info.gate_problems]
        if info.update_command:
            lines.append(f"  rewrite the list from this run: {info.update_command}")
    lines.append("")
    lines.append(f"exit code {info.exit_code}: {_verdict(report, other_failures)}")
    return lines


def _verdict(report: RunReport, other_failures: int) -> str:
    code = report.info.exit_code
    scenarios_failed = report.info.gate_problems or any(
        r.outcome in (Outcome.FAIL, Outcome.XPASS) or (report.info.strict and r.outcome is Outcome.NON_STRICT)
        for r in report.results)
    if code == 1 and other_failures and not scenarios_failed:
        tests = "test" if other_failures == 1 else "tests"
        return (f"gate NOT met: {other_failures} {tests} outside the scenarios failed (see the failures above); "
                f"every scenario met its expectation")
    return VERDICTS.get(code, "see pytest exit codes")


def _table(report: RunReport) -> list[str]:
    columns = [o.value for o in OUTCOME_ORDER]
    widths = [max(len(c), 3) for c in columns]
    head = f"{'level':<10}" + " ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True)) + "  total"
    rows = [head]
    for level, counts in report.level_matrix().items():
        cells = " ".join(f"{counts[o]:>{w}}" for o, w in zip(OUTCOME_ORDER, widths, strict=True))
        rows.append(f"{level:<10}{cells}  {sum(counts.values()):>5}")
    totals = report.counts()
    cells = " ".join(f"{totals[o]:>{w}}" for o, w in zip(OUTCOME_ORDER, widths, strict=True))
    rows.append(f"{'all':<10}{cells}  {len(report.results):>5}")
    return rows
