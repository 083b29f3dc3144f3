"""From the checks that failed to an outcome: pass, non-strict or fail (design.md, "Grading").

A MUST check that failed fails the scenario. Failed checks graded SHOULD or REFERENCE only make it
non-strict, which passes unless `--strict` is given.
"""

from __future__ import annotations

from collections.abc import Iterable

from conformance.outcome import CheckFailure, Level, Outcome


def grade(failures: Iterable[CheckFailure], *, strict: bool) -> Outcome:
    levels = {failure.level for failure in failures}
    if not levels:
        return Outcome.PASS
    if Level.MUST in levels or strict:
        return Outcome.FAIL
    return Outcome.NON_STRICT
