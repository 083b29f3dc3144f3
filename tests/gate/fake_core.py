"""A stand-in for the core plugin, for pytester sessions: collects `*.cases` files (one JSON scenario per
line) into items that behave like the core's scenario items towards the gate (a `scenario` attribute, a
ScenarioResult in `item.stash[RESULT_KEY]`, an exception for a failing outcome).

Loaded with `-p tests.gate.fake_core` and `-p no:osmium_conformance`, so the real core plugin stays out.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.gate import GatePlugin, add_gate_options
from conformance.outcome import RESULT_KEY, UNREACHABLE_KEY, CheckFailure, Level, Outcome, ScenarioResult


@dataclass(frozen=True)
class FakeScenario:
    id: str
    title: str
    level: Level
    spec_section: str
    spec_tag: str
    source: str
    requires: tuple[str, ...]
    requirements: tuple[str, ...]
    covers: tuple[str, ...]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--target-file", dest="target_file", default=None)
    parser.addoption("--target", dest="target", default=None)
    parser.addoption("--conformance-strict", dest="conformance_strict", action="store_true", default=False)
    parser.addoption("--fake-unreachable", default=None)
    add_gate_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("fake_unreachable"):
        config.stash[UNREACHABLE_KEY] = config.getoption("fake_unreachable")
    config.pluginmanager.register(GatePlugin(config), "osmium-gate")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.suffix == ".cases":
        return CasesFile.from_parent(parent, path=file_path)
    return None


class CasesFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        for number, line in enumerate(self.path.read_text().splitlines(), start=1):
            if line.strip():
                spec = json.loads(line)
                yield ScenarioItem.from_parent(self, name=spec["id"], spec=spec, line=number)


class ScenarioItem(pytest.Item):
    def __init__(self, *, spec: dict[str, object], line: int, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.spec = spec
        self.scenario = FakeScenario(
            id=str(spec["id"]), title=f"title of {spec['id']}", level=Level(str(spec.get("level", "MUST"))),
            spec_section="10.3", spec_tag="DOC", source=f"{self.path.name}:{line}",
            requires=tuple(spec.get("requires", [])),  # type: ignore[arg-type]
            requirements=(), covers=(),
        )

    def setup(self) -> None:
        if self.spec.get("setup_crash"):
            raise RuntimeError("fixture exploded")

    def runtest(self) -> None:
        outcome = Outcome(str(self.spec.get("outcome", "pass")))
        if self.spec.get("crash"):
            raise RuntimeError("runner exploded")
        failures = [] if outcome is Outcome.PASS else [
            CheckFailure(self.scenario.level, "step 1 (send chats_get_chats as alice)", "expected <ok>\ngot <bad>")]
        s = self.scenario
        self.stash[RESULT_KEY] = ScenarioResult(
            case_id=s.id, title=s.title, level=s.level, spec_section=s.spec_section, spec_tag=s.spec_tag,
            source=s.source, outcome=outcome, failures=failures,
            reason="needs clock-control" if outcome is Outcome.UNSUPPORTED else "",
            trace="alice <- RPCResult{...}" if failures else "",
        )
        if outcome in (Outcome.FAIL, Outcome.ERROR):
            raise AssertionError(f"{s.id} failed")
        if outcome is Outcome.UNSUPPORTED:
            pytest.skip("unsupported")

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, self.name
