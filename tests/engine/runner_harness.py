"""Runs one YAML scenario with the real runner against a ToyServer, all in one event loop."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from conformance.runner.runner import RunReport, RunSettings, ScenarioRunner
from conformance.scenario.parse import FixtureLibrary, load_case_file
from tests.engine.toy_server import Misbehaviour, ToyServer

ALL_CAPABILITIES = frozenset({"sign-up", "clock-control", "seed-users", "multi-device", "raw-frames"})
REPO_FIXTURES = Path(__file__).resolve().parents[2] / "cases" / "fixtures"


@dataclass
class Outcome:
    report: RunReport
    runner: ScenarioRunner
    server: ToyServer


def run_yaml(
    tmp_path: Path,
    text: str,
    misbehaviour: Misbehaviour | None = None,
    *,
    step_timeout: float = 2.0,
    control_api: bool = True,
    time_mode: str = "clock-control",
    capabilities: frozenset[str] = ALL_CAPABILITIES,
    url: str | None = None,
) -> Outcome:
    path = tmp_path / "case.yaml"
    path.write_text(text)
    [scenario] = load_case_file(path, "case.yaml", FixtureLibrary(REPO_FIXTURES), "area")

    async def go() -> Outcome:
        server = ToyServer(misbehaviour, control_api=control_api)
        served = await server.start()
        settings = RunSettings(
            url or served, server.admin_url if control_api else None, capabilities, time_mode, step_timeout
        )
        runner = ScenarioRunner(scenario, settings, "u-test")
        try:
            report = await runner.run()
        finally:
            await server.stop()
        return Outcome(report, runner, server)

    return asyncio.run(go())


def scenario(
    steps: str,
    *,
    actors: str = "alice: {}\n      bob: {devices: [phone, web]}",
    level: str = "MUST",
    requires: str = "[clock-control, seed-users]",
) -> str:
    return f"""\
scenarios:
  - id: toy.case.one
    title: toy
    level: {level}
    spec: {{section: "10.3", tag: DOC}}
    requires: {requires}
    actors:
      {actors}
    steps:
{steps}"""
