"""The grading gate: turns the graded scenarios of a pytest session into one exit code, the reports and
the expectations ratchet.

Contract with the core plugin (`conformance.plugin`):

* its `pytest_addoption` calls `add_gate_options(parser)` (`--report-json`, `--report-html`,
  `--update-expectations`);
* its `pytest_configure` registers `GatePlugin(config)` under the name `osmium-gate`;
* a scenario item has a `scenario` attribute (`conformance.scenario.model.Scenario`) and, during its call
  phase, stores its verdict in `item.stash[RESULT_KEY]`;
* an unreachable target is recorded as `config.stash[UNREACHABLE_KEY] = "one-line reason"`;
* the target profile path is the `--target-file` option (dest `target_file`), strict grading the
  `STRICT_OPTION` dest (its NON_STRICT outcomes then fail the gate).

Under xdist, the verdicts travel to the controller on the test reports (`osmium_result`), the collected case
ids and an unreachable target in `workeroutput`; only the controller (or a run without xdist) decides the
exit code, prints the summary and writes files.

Exit codes: 0 gate met, 1 conformance failure, 2 case / profile / usage / harness error, 3 target unreachable.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Generator, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.expectations import (
    ExpectationsError,
    ExpectationsFile,
    RatchetProblems,
    find_problems,
    load_expectations,
    regrade,
    update_command,
    updated_entries,
    write_updated,
)
from conformance.outcome import RESULT_KEY, UNREACHABLE_KEY, Outcome, ScenarioResult
from conformance.reports.html import write_html
from conformance.reports.json import write_json
from conformance.reports.junit import junit_properties
from conformance.reports.model import RunInfo, RunReport, result_from_dict, result_to_dict
from conformance.reports.terminal import summary_lines

STRICT_OPTION = "conformance_strict"
TARGET_FILE_OPTION = "target_file"
TARGET_URL_OPTION = "target"
REPORT_ATTR = "osmium_result"  # on a TestReport: the graded ScenarioResult as a dict
CASE_ATTR = "osmium_case"  # on every TestReport of a scenario item: its case id
WORKER_CASES = "osmium_cases"  # in workeroutput: {case id: [required capabilities]}
WORKER_CASE_ROOTS = "osmium_case_roots"  # in workeroutput: the cases/ folders the scenarios came from
WORKER_UNREACHABLE = "osmium_unreachable"


class ExitCode(enum.IntEnum):
    GATE_MET = 0
    CONFORMANCE_FAILURE = 1
    USAGE_ERROR = 2
    TARGET_UNREACHABLE = 3


def add_gate_options(parser: pytest.Parser) -> None:
    """The gate's command-line options, added by the core plugin's `pytest_addoption`."""
    group = parser.getgroup("osmium-conformance reports")
    group.addoption("--report-json", metavar="PATH", default=None,
                    help="write the JSON report (conformance/schema/report.schema.json) to PATH")
    group.addoption("--report-html", metavar="PATH", default=None,
                    help="write the self-contained HTML report to PATH")
    group.addoption("--update-expectations", action="store_true", default=False,
                    help="rewrite the --target-file profile's expected_failures from this run's failures")


@dataclasses.dataclass(frozen=True)
class GateInputs:
    """Everything the exit code depends on; `decide` is a pure function of it."""

    results: tuple[ScenarioResult, ...]
    problems: RatchetProblems
    strict: bool
    pytest_status: int
    unreachable: str | None = None
    usage_errors: tuple[str, ...] = ()
    collection_errors: int = 0
    other_failures: int = 0  # non-scenario tests that failed in the same session


def decide(inputs: GateInputs) -> int:
    """The exit code: unreachable beats errors, errors beat conformance failures."""
    if inputs.unreachable:
        return ExitCode.TARGET_UNREACHABLE
    harness_broke = inputs.pytest_status in (
        pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR, pytest.ExitCode.USAGE_ERROR)
    if (inputs.usage_errors or inputs.collection_errors or harness_broke
            or any(r.outcome is Outcome.ERROR for r in inputs.results)):
        return ExitCode.USAGE_ERROR
    failed = any(r.outcome in (Outcome.FAIL, Outcome.XPASS)
                 or (inputs.strict and r.outcome is Outcome.NON_STRICT) for r in inputs.results)
    if failed or inputs.problems or inputs.other_failures:
        return ExitCode.CONFORMANCE_FAILURE
    if not inputs.results and inputs.pytest_status == pytest.ExitCode.NO_TESTS_COLLECTED:
        return int(pytest.ExitCode.NO_TESTS_COLLECTED)
    return ExitCode.GATE_MET


class GatePlugin:
    """Registered once per pytest process by the core plugin (see the module docstring)."""

    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.is_worker = hasattr(config, "workerinput")
        self.strict = bool(config.getoption(STRICT_OPTION, default=False))
        self.started_at = datetime.now(UTC)
        self.raw_outcomes: dict[str, Outcome] = {}  # before the expectations regraded them
        self.results: dict[str, ScenarioResult] = {}
        self.known_cases: dict[str, tuple[str, ...]] = {}  # case id -> required capabilities
        self.case_roots: set[str] = set()  # the cases/ folders collected from (their whole library is known)
        self.collection_errors = 0
        self.other_failures = 0
        self.unreachable: str | None = None
        self.usage_errors: list[str] = []
        self.expectations: ExpectationsFile | None = None
        self.report: RunReport | None = None
        self.updated_message: str | None = None
        profile = config.getoption(TARGET_FILE_OPTION, default=None)
        if profile:
            try:
                self.expectations = load_expectations(Path(str(profile)))
            except ExpectationsError as exc:
                self.usage_errors.append(str(exc))
        if config.getoption("update_expectations", default=False) and not profile:
            self.usage_errors.append("--update-expectations needs --target-file (the profile to rewrite)")

    # -- collection ---------------------------------------------------------------------------------

    def pytest_itemcollected(self, item: pytest.Item) -> None:
        scenario = getattr(item, "scenario", None)
        if scenario is not None:
            self.known_cases[scenario.id] = tuple(scenario.requires)
            root = _case_root(getattr(getattr(scenario, "source", None), "path", None))
            if root is not None:
                self.case_roots.add(str(root))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors += 1

    # -- each scenario ------------------------------------------------------------------------------

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, pytest.TestReport, pytest.TestReport]:
        scenario = getattr(item, "scenario", None)
        graded: ScenarioResult | None = None
        if scenario is not None and call.when == "call":
            graded = self._regrade(item.stash.get(RESULT_KEY, None) or _error_result(scenario, call))
            item.user_properties.extend(junit_properties(graded))
        report = yield
        if scenario is not None:
            setattr(report, CASE_ATTR, scenario.id)
        if scenario is not None and graded is None and call.when == "setup" and report.failed:
            graded = self._regrade(_error_result(scenario, call, setup=True))
            item.user_properties.extend(junit_properties(graded))
            report.user_properties = list(item.user_properties)
        if graded is not None:
            raw_outcome = self.raw_outcomes[graded.case_id].value
            setattr(report, REPORT_ATTR, {**result_to_dict(graded), "raw_outcome": raw_outcome})
            _align_pytest_outcome(report, graded, strict=self.strict)
        return report

    def _regrade(self, result: ScenarioResult) -> ScenarioResult:
        self.raw_outcomes[result.case_id] = result.outcome
        return self._apply_expectations(result, result.outcome)

    def _apply_expectations(self, result: ScenarioResult, raw: Outcome) -> ScenarioResult:
        entry = self.expectations.by_case_id().get(result.case_id) if self.expectations else None
        outcome = regrade(raw, listed=entry is not None, strict=self.strict)
        if outcome is Outcome.XFAIL and entry is not None:
            return dataclasses.replace(result, outcome=outcome, reason=f"expected failure: {entry.reason}")
        if outcome is Outcome.XPASS and entry is not None:
            return dataclasses.replace(
                result, outcome=outcome, reason=f"listed as an expected failure ({entry.reason}) but it passed")
        return dataclasses.replace(result, outcome=outcome)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        data = getattr(report, REPORT_ATTR, None)
        if data is not None:
            result = result_from_dict(data)
            self.results[result.case_id] = result
            self.raw_outcomes[result.case_id] = Outcome(data["raw_outcome"])
        elif report.failed and getattr(report, CASE_ATTR, None) is not None:
            self.usage_errors.append(f"{getattr(report, CASE_ATTR)}: harness error during {report.when}")
        elif report.failed:
            self.other_failures += 1

    # -- xdist --------------------------------------------------------------------------------------

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", {}) or {}
        for case_id, requires in dict(output.get(WORKER_CASES, {})).items():
            self.known_cases[str(case_id)] = tuple(requires)
        self.case_roots.update(str(root) for root in output.get(WORKER_CASE_ROOTS, []))
        if output.get(WORKER_UNREACHABLE) and not self.unreachable:
            self.unreachable = str(output[WORKER_UNREACHABLE])

    # -- the verdict --------------------------------------------------------------------------------

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        self.unreachable = self.config.stash.get(UNREACHABLE_KEY, None) or self.unreachable
        if self.is_worker:
            workeroutput: dict[str, Any] = getattr(self.config, "workeroutput")  # noqa: B009 (set by xdist)
            workeroutput[WORKER_CASES] = {case_id: list(req) for case_id, req in self.known_cases.items()}
            workeroutput[WORKER_CASE_ROOTS] = sorted(self.case_roots)
            workeroutput[WORKER_UNREACHABLE] = self.unreachable
            return
        if not self._active():
            return
        if self.expectations is not None:
            self._learn_whole_library()
        if self.config.getoption("update_expectations", default=False) and self.expectations and not self.usage_errors:
            self._update_expectations()
        problems = self._problems()
        inputs = GateInputs(
            results=tuple(self.results.values()), problems=problems, strict=self.strict, pytest_status=int(exitstatus),
            unreachable=self.unreachable, usage_errors=tuple(self.usage_errors),
            collection_errors=self.collection_errors, other_failures=self.other_failures,
        )
        code = decide(inputs)
        self.report = self._build_report(code, problems)
        if not self._write_reports(self.report) and code != ExitCode.TARGET_UNREACHABLE:
            code = ExitCode.USAGE_ERROR
            self.report = self._build_report(code, problems)
        session.exitstatus = code

    def _active(self) -> bool:
        """The gate speaks only for sessions about scenarios (not, say, a run of the project's unit tests)."""
        return bool(self.known_cases or self.results or self.unreachable or self.usage_errors
                    or self.expectations)

    def _learn_whole_library(self) -> None:
        """Know every case of the case folders the run collected from, not only the collected ones, so that
        running one area (`pytest cases/invites`) does not call another area's expectations stale."""
        from conformance.cli import load_library  # the CLI imports this module

        for root in sorted(self.case_roots):
            for scenario in load_library(Path(root)).scenarios:
                self.known_cases.setdefault(scenario.id, tuple(scenario.requires))

    def _problems(self) -> RatchetProblems:
        claimed = self.expectations.capabilities if self.expectations else ()
        required = {capability for requires in self.known_cases.values() for capability in requires}
        return find_problems(self.expectations, self.results.values(), self.known_cases, claimed, required)

    def _update_expectations(self) -> None:
        """Rewrite the profile, then regrade this run against the new list (so the gate reflects the file)."""
        assert self.expectations is not None
        raw = [dataclasses.replace(r, outcome=self.raw_outcomes.get(r.case_id, r.outcome))
               for r in self.results.values()]
        entries = updated_entries(self.expectations.entries, raw, self.known_cases, strict=self.strict)
        try:
            changed = write_updated(self.expectations, entries)
        except (ExpectationsError, OSError) as exc:
            self.usage_errors.append(str(exc))
            return
        self.expectations = dataclasses.replace(self.expectations, entries=tuple(entries))
        self.results = {r.case_id: self._apply_expectations(r, r.outcome) for r in raw}
        verb = "rewrote" if changed else "kept"
        self.updated_message = f"{verb} expected_failures of {self.expectations.path}: {len(entries)} entries"

    def _build_report(self, code: int, problems: RatchetProblems) -> RunReport:
        profile = str(self.expectations.path) if self.expectations else self.config.getoption(
            TARGET_FILE_OPTION, default=None)
        needs_update = bool(problems) and profile is not None
        info = RunInfo(
            target=self._target_label(),
            profile=str(profile) if profile else None,
            started_at=self.started_at,
            finished_at=datetime.now(UTC),
            strict=self.strict,
            exit_code=code,
            gate_problems=tuple(problems.lines()) + tuple(self.usage_errors),
            update_command=update_command(profile) if needs_update else None,
        )
        return RunReport(info, tuple(sorted(self.results.values(), key=lambda r: r.case_id)))

    def _target_label(self) -> str:
        url = self.config.getoption(TARGET_URL_OPTION, default=None)
        if not url and self.expectations is not None:
            url = self.expectations.url
        return str(url) if url and url != "embedded" else "bundled reference server"

    def _write_reports(self, report: RunReport) -> bool:
        """Write the requested report files; False (and a usage error) if one cannot be written."""
        written = True
        for option, writer in (("report_json", write_json), ("report_html", write_html)):
            path = self.config.getoption(option, default=None)
            if path:
                try:
                    writer(report, Path(str(path)))
                except OSError as exc:
                    self.usage_errors.append(f"cannot write {path}: {exc.strerror}")
                    written = False
        return written

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if self.report is None:
            return
        ok = self.report.info.exit_code == 0
        terminalreporter.section("osmium conformance", sep="=", green=ok, red=not ok, bold=True)
        for line in summary_lines(self.report, unreachable=self.unreachable,
                                  other_failures=self.other_failures):
            terminalreporter.write_line(line)
        if self.updated_message:
            terminalreporter.write_line(self.updated_message)


def _case_root(path: object) -> Path | None:
    """The nearest enclosing folder named `cases` of a case file (the same rule as the collection)."""
    if not isinstance(path, Path):
        return None
    return next((parent for parent in path.resolve().parents if parent.name == "cases"), None)


def _error_result(scenario: Any, call: pytest.CallInfo[None], *, setup: bool = False) -> ScenarioResult:
    """A verdict for a scenario item the core left none for: the harness (not the target) broke."""
    phase = "setup" if setup else "run"
    excinfo = call.excinfo
    what = f"{excinfo.typename}: {excinfo.value}" if excinfo is not None else "no result was recorded"
    return ScenarioResult(
        case_id=scenario.id, title=scenario.title, level=scenario.level, spec_section=scenario.spec_section,
        spec_tag=scenario.spec_tag, source=str(scenario.source), outcome=Outcome.ERROR,
        reason=f"harness error during {phase}: {what}", requirements=list(scenario.requirements),
        covers=list(scenario.covers),
    )


def _align_pytest_outcome(report: pytest.TestReport, result: ScenarioResult, *, strict: bool) -> None:
    """Make pytest's own report (its summary line, JUnit) say what the graded outcome says."""
    outcome = result.outcome
    if outcome is Outcome.PASS or (outcome is Outcome.NON_STRICT and not strict):
        report.outcome = "passed"
        report.longrepr = None
    elif outcome is Outcome.XFAIL:
        report.outcome = "skipped"
        report.wasxfail = result.reason
    elif outcome is Outcome.UNSUPPORTED:
        report.outcome = "skipped"
        report.longrepr = (result.source.rsplit(":", 1)[0], _line_of(result.source), f"unsupported: {result.reason}")
    else:
        report.outcome = "failed"
        if report.longrepr is None:
            report.longrepr = "\n".join(_failure_text(result))


def _line_of(source: str) -> int:
    tail = source.rsplit(":", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _failure_text(result: ScenarioResult) -> Iterable[str]:
    yield f"{result.outcome.value}: {result.case_id} ({result.level.value}, §{result.spec_section})"
    if result.reason:
        yield result.reason
    for failure in result.failures:
        yield f"[{failure.level.value}] {failure.step}"
        yield failure.message
    if result.trace:
        yield "frame trace:"
        yield result.trace


__all__ = ["ExitCode", "GateInputs", "GatePlugin", "add_gate_options", "decide"]
