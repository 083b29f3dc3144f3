"""Errors the engine reports to a person: a broken case file, or a target that cannot be reached.

A case error is the case writer's mistake, so it is shown as one screen naming file:line, the key, what
was expected and a "did you mean", never as a Python traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest known name to a misspelled one, or None when nothing is close."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


@dataclass(frozen=True)
class Location:
    """Where something is in a case file (1-based line)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class CaseError(Exception):
    """A case (or fixture, or target profile) file is wrong; shown to the user without a traceback."""

    def __init__(
        self,
        location: Location | None,
        problem: str,
        *,
        expected: str | None = None,
        suggestion: str | None = None,
    ) -> None:
        self.location = location
        self.problem = problem
        self.expected = expected
        self.suggestion = suggestion
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.location}: " if self.location else ""
        lines = [f"{where}{self.problem}"]
        if self.expected:
            lines.append(f"  expected: {self.expected}")
        if self.suggestion:
            lines.append(f"  did you mean {self.suggestion!r}?")
        return "\n".join(lines)


class CaseErrors(Exception):
    """Several case errors found in one file, reported together (at most a screenful)."""

    MAX_SHOWN = 8

    def __init__(self, errors: list[CaseError]) -> None:
        self.errors = errors
        super().__init__(self.render())

    def render(self) -> str:
        shown = [e.render() for e in self.errors[: self.MAX_SHOWN]]
        more = len(self.errors) - self.MAX_SHOWN
        if more > 0:
            shown.append(f"... and {more} more error(s)")
        return "\n".join(shown)


class TargetUnreachable(Exception):
    """The server under test cannot be reached at all; the run ends with exit code 3."""


class Unsupported(Exception):
    """The target lacks something the scenario needs (a capability): reported, never silently skipped."""
