"""The expectations ratchet: a target profile's `expected_failures`, how they regrade results, and their rewrite.

A target lists the cases it is known to fail. The list may only shrink silently: a listed case that passes
(XPASS) or an entry naming no case fails the gate, so the file always tells the truth about the server. The
rewrite (`--update-expectations`) replaces only the `expected_failures` block of the YAML text, so comments and
the rest of the profile stay as their author wrote them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import CaseError, CaseErrors
from conformance.outcome import Outcome, ScenarioResult
from conformance.target import ExpectedFailure, load_profile

EXPECTED_FAILURES_KEY = "expected_failures"


class ExpectationsError(Exception):
    """The profile's expected_failures cannot be read or rewritten (a user error: exit code 2)."""


@dataclass(frozen=True)
class ExpectationsFile:
    """What the ratchet needs from one target profile: its expected failures, the capabilities it claims, and
    the file they come from (for the rewrite command)."""

    path: Path
    entries: tuple[ExpectedFailure, ...]
    capabilities: tuple[str, ...] = ()
    url: str | None = None

    def by_case_id(self) -> dict[str, ExpectedFailure]:
        return {entry.case_id: entry for entry in self.entries}


@dataclass(frozen=True)
class RatchetProblems:
    """Everything that makes the expectations disagree with the run; any of it fails the gate."""

    unexpected_passes: tuple[str, ...] = ()  # listed, but passed: XPASS
    unknown_entries: tuple[str, ...] = ()  # listed, but no case has that id
    duplicate_entries: tuple[str, ...] = ()  # listed more than once
    unused_capabilities: tuple[str, ...] = ()  # claimed by the profile, required by no case

    def __bool__(self) -> bool:
        return bool(self.unexpected_passes or self.unknown_entries or self.duplicate_entries
                    or self.unused_capabilities)

    def lines(self) -> list[str]:
        """One human line per problem, for the terminal summary and the reports."""
        out = [f"XPASS {case_id}: listed as an expected failure but passed" for case_id in self.unexpected_passes]
        out += [f"expected failure {case_id!r} matches no case id" for case_id in self.unknown_entries]
        out += [f"expected failure {case_id!r} is listed more than once" for case_id in self.duplicate_entries]
        out += [f"capability {name!r} is claimed by the target but no case requires it"
                for name in self.unused_capabilities]
        return out


def update_command(profile_path: Path | str) -> str:
    """The exact command that rewrites the profile's list from the current results."""
    return f"osmium-conformance run --target-file {profile_path} --update-expectations"


def is_failing(outcome: Outcome, *, strict: bool) -> bool:
    """Whether a scenario outcome counts as a failure of the target (the thing an expectation can excuse)."""
    if outcome in (Outcome.FAIL, Outcome.XFAIL):
        return True
    return strict and outcome is Outcome.NON_STRICT


def regrade(outcome: Outcome, *, listed: bool, strict: bool) -> Outcome:
    """The outcome once the target's expected failures are taken into account.

    Errors and unsupported scenarios are not the target's verdict, so a listing changes nothing for them.
    """
    if not listed or outcome in (Outcome.ERROR, Outcome.UNSUPPORTED, Outcome.XPASS):
        return outcome
    return Outcome.XFAIL if is_failing(outcome, strict=strict) else Outcome.XPASS


def find_problems(
    expectations: ExpectationsFile | None,
    results: Iterable[ScenarioResult],
    known_case_ids: Iterable[str],
    claimed_capabilities: Iterable[str] = (),
    required_capabilities: Iterable[str] = (),
) -> RatchetProblems:
    """Compare the expectations (and the claimed capabilities) with a graded run and the known case library."""
    known = set(known_case_ids)
    entries = expectations.entries if expectations else ()
    seen: set[str] = set()
    duplicates: list[str] = []
    for entry in entries:
        if entry.case_id in seen and entry.case_id not in duplicates:
            duplicates.append(entry.case_id)
        seen.add(entry.case_id)
    required = set(required_capabilities)
    return RatchetProblems(
        unexpected_passes=tuple(sorted(r.case_id for r in results if r.outcome is Outcome.XPASS)),
        unknown_entries=tuple(sorted({e.case_id for e in entries if e.case_id not in known})),
        duplicate_entries=tuple(sorted(duplicates)),
        unused_capabilities=tuple(sorted({c for c in claimed_capabilities if c not in required})),
    )


def updated_entries(
    current: Sequence[ExpectedFailure],
    results: Iterable[ScenarioResult],
    known_case_ids: Iterable[str],
    *,
    strict: bool,
) -> list[ExpectedFailure]:
    """The expected failures that make this run's gate pass, keeping the reasons of entries that stay.

    Cases that did not run (deselected with -k, errors, unsupported) keep their entries as they are, as long
    as the case still exists; entries of unknown ids and of cases that passed are dropped; new failures are
    added with their first failure message as the reason.
    """
    known = set(known_case_ids)
    graded = {result.case_id: result for result in results}
    kept: dict[str, ExpectedFailure] = {}
    for entry in current:
        result = graded.get(entry.case_id)
        if entry.case_id not in known or entry.case_id in kept:
            continue
        not_graded = result is None or result.outcome in (Outcome.ERROR, Outcome.UNSUPPORTED)
        if not_graded or (result is not None and is_failing(result.outcome, strict=strict)):
            kept[entry.case_id] = entry
    for case_id, result in sorted(graded.items()):
        if case_id not in kept and is_failing(result.outcome, strict=strict):
            kept[case_id] = ExpectedFailure(case_id, _reason_of(result))
    return sorted(kept.values(), key=lambda entry: entry.case_id)


def _reason_of(result: ScenarioResult) -> str:
    """A one-line reason for a new entry: the first failing check, to be edited by a human later."""
    for failure in result.failures:
        first_line = failure.message.strip().splitlines()[0] if failure.message.strip() else failure.step
        return f"fails: {first_line}"[:200]
    return f"fails: {result.reason.strip().splitlines()[0]}"[:200] if result.reason.strip() else "fails"


def load_expectations(path: Path) -> ExpectationsFile:
    """What the ratchet needs from a target profile, read by the one profile reader (`conformance.target`)."""
    try:
        profile = load_profile(path, str(path))
    except (CaseError, CaseErrors) as exc:
        raise ExpectationsError(str(exc)) from None
    claimed = profile.capabilities if profile.capabilities_declared else ()
    return ExpectationsFile(path, profile.expected_failures, claimed, profile.url)


def _as_data(entries: Sequence[ExpectedFailure]) -> list[dict[str, Any]]:
    """Entries as the plain YAML data of an `expected_failures` list."""
    return [{"id": e.case_id, "reason": e.reason, **({"link": e.link} if e.link else {})} for e in entries]


def render_block(entries: Sequence[ExpectedFailure]) -> str:
    """The YAML text of an `expected_failures` block (strings double-quoted, so any text is safe)."""
    if not entries:
        return f"{EXPECTED_FAILURES_KEY}: []\n"
    lines = [f"{EXPECTED_FAILURES_KEY}:"]
    for entry in entries:
        lines.append(f"  - id: {_quote(entry.case_id)}")
        lines.append(f"    reason: {_quote(entry.reason)}")
        if entry.link:
            lines.append(f"    link: {_quote(entry.link)}")
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar.
    return json.dumps(text, ensure_ascii=False)


def rewrite_text(text: str, entries: Sequence[ExpectedFailure], *, path: Path | str = "<profile>") -> str:
    """Replace the top-level `expected_failures` block of a profile's text, leaving every other line alone.

    The block runs from its key to the next top-level key (comments right before that key stay with it).
    Without a block, one is appended. The result is re-parsed and compared with the original, so a rewrite
    that would change anything else is refused instead of written.
    """
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if _is_top_level_key(line, EXPECTED_FAILURES_KEY)), None)
    block = render_block(entries)
    if start is None:
        sep = "" if not text or text.endswith("\n") else "\n"
        new_text = text + sep + block
    else:
        end = start + 1
        while end < len(lines) and not _starts_top_level_node(lines[end]):
            end += 1
        # Trailing blank lines and comments belong to what follows, not to the list.
        while end > start + 1 and _is_blank_or_comment(lines[end - 1]):
            end -= 1
        new_text = "".join(lines[:start]) + block + "".join(lines[end:])
    _check_only_the_block_changed(text, new_text, entries, path)
    return new_text


def _is_top_level_key(line: str, key: str) -> bool:
    return line.startswith(key) and line[len(key):].lstrip(" ").startswith(":")


def _starts_top_level_node(line: str) -> bool:
    """A line at column 0 that is content (a key, a document marker), not a continuation, comment or blank."""
    return bool(line.strip()) and not line[0].isspace() and not line.startswith("#") and not line.startswith("- ")


def _is_blank_or_comment(line: str) -> bool:
    return not line.strip() or line.lstrip().startswith("#")


def _check_only_the_block_changed(old: str, new: str, entries: Sequence[ExpectedFailure], path: Path | str) -> None:
    try:
        before, after = yaml.safe_load(old) or {}, yaml.safe_load(new)
    except yaml.YAMLError as exc:
        raise ExpectationsError(f"{path}: cannot rewrite expected_failures safely: {exc}") from exc
    if not isinstance(before, dict) or not isinstance(after, dict):
        raise ExpectationsError(f"{path}: a target profile is a mapping; cannot rewrite expected_failures")
    before.pop(EXPECTED_FAILURES_KEY, None)
    written = after.pop(EXPECTED_FAILURES_KEY, None) or []
    if before != after or written != _as_data(entries):
        raise ExpectationsError(
            f"{path}: the expected_failures block is laid out in a way the rewrite does not understand; "
            "put it at the top level as a block list and retry"
        )


def write_updated(expectations: ExpectationsFile, entries: Sequence[ExpectedFailure]) -> bool:
    """Rewrite the profile file in place; returns whether anything changed."""
    text = expectations.path.read_text(encoding="utf-8")
    new_text = rewrite_text(text, entries, path=expectations.path)
    if new_text == text:
        return False
    expectations.path.write_text(new_text, encoding="utf-8")
    return True
