"""pytest plugin (entry point `pytest11`): collects cases/**/*.yaml and runs them against a target.

It is loaded in every pytest run of the environment, so it does nothing until a case file is collected:
the target (the bundled server by default) is resolved on the first scenario that runs.
"""

from __future__ import annotations

import asyncio
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from conformance.errors import CaseError, CaseErrors, TargetUnreachable
from conformance.grading import grade
from conformance.outcome import RESULT_KEY, UNREACHABLE_KEY, Outcome, ScenarioResult
from conformance.report_text import render_result
from conformance.scenario.model import Scenario
from conformance.target import PROFILE_KEY, TargetProfile, default_profile, load_profile

if TYPE_CHECKING:  # imported when first needed: the plugin loads in every pytest run of the environment
    from conformance.runner.runner import RunReport, RunSettings
    from conformance.scenario.parse import FixtureLibrary
    from conformance.session import TargetSession

SKIPPED_FOLDERS = ("fixtures", "requirements")
LEVEL_MARKS = {"MUST": "must", "SHOULD": "should", "REFERENCE": "reference"}


@dataclass
class PluginState:
    """Per-process state: the target (resolved lazily), fixture libraries, ids seen, attempts per scenario."""

    profile: TargetProfile
    url_override: str | None
    step_timeout: float
    workerinput: dict[str, Any] | None
    strict: bool
    case_root_override: Path | None
    fixtures: dict[Path, FixtureLibrary] = field(default_factory=dict)
    seen_ids: dict[str, str] = field(default_factory=dict)
    attempts: dict[str, int] = field(default_factory=dict)
    registered_marks: set[str] = field(default_factory=set)
    started_target: TargetSession | None = None
    reached_target: bool = False  # some scenario of this process connected to the target

    def target(self) -> TargetSession:
        """The target session, created on the first scenario that runs (never in a run without cases)."""
        if self.started_target is None:
            from conformance.session import TargetSession, run_identity

            identity = run_identity(self.workerinput)
            self.started_target = TargetSession(self.profile, self.url_override, self.step_timeout, identity)
        return self.started_target


STATE_KEY = pytest.StashKey[PluginState]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("osmium-conformance", "Osmium conformance suite")
    group.addoption(
        "--target",
        default=None,
        metavar="URL",
        help="ws://host:port/path of the server under test (default: the bundled server, in-process)",
    )
    group.addoption(
        "--target-file",
        dest="target_file",
        default=None,
        metavar="PATH",
        help="target profile targets/NAME.yaml (URL, capabilities, users, expected failures)",
    )
    group.addoption(
        "--conformance-strict",
        dest="conformance_strict",
        action="store_true",
        default=False,
        help="non-strict outcomes (SHOULD/REFERENCE points missed) fail; pytest's --strict implies it",
    )
    group.addoption(
        "--step-timeout",
        dest="step_timeout",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="default timeout of every step (default 5)",
    )
    group.addoption(
        "--case-root",
        dest="case_root",
        default=None,
        metavar="DIR",
        help="the cases/ folder whose fixtures/ includes come from (default: the nearest folder named cases)",
    )
    if importlib.util.find_spec("conformance.gate") is not None:
        from conformance.gate import add_gate_options

        add_gate_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    for level, mark in LEVEL_MARKS.items():
        config.addinivalue_line("markers", f"{mark}: Osmium conformance scenarios graded {level}")
    if config.getoption("strict", default=False):
        config.option.conformance_strict = True
    target_file = config.getoption("target_file", default=None)
    url = config.getoption("target", default=None)
    if target_file:
        try:
            profile = load_profile(Path(target_file), str(target_file))
        except (CaseError, CaseErrors) as exc:
            raise pytest.UsageError(f"target profile: {exc}") from None
    else:
        profile = default_profile(url)
    config.stash[PROFILE_KEY] = profile
    root = config.getoption("case_root", default=None)
    config.stash[STATE_KEY] = PluginState(
        profile=profile,
        url_override=url,
        step_timeout=float(config.getoption("step_timeout")),
        workerinput=getattr(config, "workerinput", None),
        strict=bool(config.getoption("conformance_strict", default=False)),
        case_root_override=Path(root).resolve() if root else None,
    )
    if importlib.util.find_spec("conformance.gate") is not None:
        import conformance.gate

        config.pluginmanager.register(conformance.gate.GatePlugin(config), "osmium-gate")


def pytest_unconfigure(config: pytest.Config) -> None:
    state = config.stash.get(STATE_KEY, None)
    if state is not None and state.started_target is not None:
        state.started_target.stop()


def case_root_of(path: Path) -> Path | None:
    for parent in path.parents:
        if parent.name == "cases":
            return parent
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix not in (".yaml", ".yml"):
        return None
    root = case_root_of(file_path)
    if root is None:
        return None
    relative = file_path.relative_to(root)
    if relative.parts[0] in SKIPPED_FOLDERS:
        return None
    return CaseFile.from_parent(parent, path=file_path)


class CaseFile(pytest.File):
    """One case file: one pytest item per scenario; a broken file is one collection error on one screen."""

    def collect(self) -> list[pytest.Item]:
        from conformance.scenario.parse import FixtureLibrary, load_case_file

        state = self.config.stash[STATE_KEY]
        root = state.case_root_override or case_root_of(self.path) or self.path.parent
        library = state.fixtures.setdefault(
            root, FixtureLibrary(root / "fixtures", _display(self.config, root / "fixtures"))
        )
        relative = self.path.relative_to(root) if self.path.is_relative_to(root) else Path(self.path.name)
        area = relative.parts[0] if len(relative.parts) > 1 else ""
        display = _display(self.config, self.path)
        scenarios = load_case_file(self.path, display, library, area)
        duplicates = []
        for scenario in scenarios:
            first = state.seen_ids.setdefault(scenario.id, str(scenario.source))
            if first != str(scenario.source):
                duplicates.append(
                    CaseError(None, f"{scenario.source}: scenario id {scenario.id!r} is already used at {first}")
                )
        if duplicates:
            raise CaseErrors(duplicates)
        return [self._item(scenario, state) for scenario in scenarios]

    def _item(self, scenario: Scenario, state: PluginState) -> ScenarioItem:
        # The level leads the test name, as protobuf's conformance runner names its Required/Recommended tests:
        # a CI log or a JUnit report then tells a MUST failure from a REFERENCE one at a glance.
        item = ScenarioItem.from_parent(self, name=f"{scenario.level.value}.{scenario.id}", scenario=scenario)
        marks = [LEVEL_MARKS[scenario.level.value]]
        if scenario.area:
            marks.append(scenario.area.replace("-", "_"))
        for mark in marks:
            if mark not in state.registered_marks:
                self.config.addinivalue_line("markers", f"{mark}: Osmium conformance scenarios ({mark})")
                state.registered_marks.add(mark)
            item.add_marker(mark)
        return item

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, (CaseError, CaseErrors)):
            return f"case file error:\n{excinfo.value}"
        return str(super().repr_failure(excinfo))


def _display(config: pytest.Config, path: Path) -> str:
    try:
        return str(path.relative_to(config.rootpath))
    except ValueError:
        return str(path)


class ScenarioFailed(Exception):
    """The scenario's graded outcome is a failure (the report is rendered by repr_failure)."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.case_id)
        self.result = result


class ScenarioItem(pytest.Item):
    """One scenario; its graded ScenarioResult goes to `item.stash[RESULT_KEY]` during the call phase."""

    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        state = self.config.stash[STATE_KEY]
        result = self._run(state)
        self.stash[RESULT_KEY] = result
        if result.outcome is Outcome.UNSUPPORTED:
            pytest.skip(f"unsupported: {result.reason}")
        if result.outcome in (Outcome.FAIL, Outcome.ERROR) or (result.outcome is Outcome.NON_STRICT and state.strict):
            raise ScenarioFailed(result)

    def _run(self, state: PluginState) -> ScenarioResult:
        try:
            settings = state.target().resolve()
        except TargetUnreachable as exc:
            reason = f"target unreachable: {exc}"
            self.config.stash[UNREACHABLE_KEY] = str(exc)
            self.session.shouldstop = reason
            return self._result(Outcome.ERROR, reason=reason)
        missing = missing_capabilities(self.scenario, settings)
        if missing:
            return self._result(Outcome.UNSUPPORTED, reason=f"the target lacks {', '.join(missing)}")
        attempt = state.attempts.get(self.scenario.id, 0)
        state.attempts[self.scenario.id] = attempt + 1
        unique = state.target().identity.unique_for(self.scenario.id, attempt)
        from conformance.runner.runner import ScenarioRunner

        report = asyncio.run(ScenarioRunner(self.scenario, settings, unique).run())
        return self._graded(report, state)

    def _graded(self, report: RunReport, state: PluginState) -> ScenarioResult:
        if report.unreachable and (report.reached_target or state.reached_target):
            # The target answered earlier in this run: it went away or stalled mid-run. That is the target
            # failing (exit 1), not a wrong address (exit 3).
            state.reached_target = True
            return self._result(Outcome.FAIL, report, reason=f"the target answered earlier in this run, then: "
                                                             f"{report.unreachable}")
        if report.unreachable:
            self.config.stash[UNREACHABLE_KEY] = report.unreachable
            return self._result(Outcome.ERROR, report, reason=f"target unreachable: {report.unreachable}")
        state.reached_target = state.reached_target or report.reached_target
        if report.error:
            return self._result(Outcome.ERROR, report, reason=f"case error: {report.error}")
        if report.unsupported:
            return self._result(Outcome.UNSUPPORTED, report, reason=report.unsupported)
        return self._result(grade(report.failures, strict=state.strict), report)

    def _result(self, outcome: Outcome, report: RunReport | None = None, reason: str = "") -> ScenarioResult:
        scenario = self.scenario
        failing = outcome in (Outcome.FAIL, Outcome.NON_STRICT, Outcome.ERROR)
        return ScenarioResult(
            case_id=scenario.id,
            title=scenario.title,
            level=scenario.level,
            spec_section=scenario.spec_section,
            spec_tag=scenario.spec_tag,
            source=str(scenario.source),
            outcome=outcome,
            duration_s=report.duration_s if report else 0.0,
            failures=list(report.failures) if report else [],
            reason=reason,
            trace=report.trace if report and failing else "",
            requirements=list(scenario.requirements),
            covers=list(scenario.covers),
        )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ScenarioFailed):
            return render_result(excinfo.value.result)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.scenario.source.line - 1, f"{self.scenario.id} [{self.scenario.level.value}]"


def missing_capabilities(scenario: Scenario, settings: RunSettings) -> list[str]:
    """Capabilities the scenario requires and the target lacks; real time stands in for clock-control."""
    missing = []
    for capability in scenario.requires:
        if capability in settings.capabilities:
            continue
        if capability == "clock-control" and settings.time_mode == "real":
            continue
        if capability == "sign-up" and settings.tokens:
            continue
        missing.append(capability)
    return missing
