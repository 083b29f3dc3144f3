"""Smoke tests of the benchmarks: every module runs with tiny sizes and reports well-formed figures.

These never assert on timings (benchmarks measure, tests do not): only that a run completes, that every
figure is a finite, non-negative number with a unit, and that goals are stated where the issue sets one.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.results import BenchmarkReport, Figure, Goal
from benchmarks.table import render_markdown, render_text

REPO_ROOT = Path(__file__).resolve().parents[2]
QUICK_TIMEOUT_S = 240


def run_quick(module: str) -> BenchmarkReport:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", f"benchmarks.{module}", "--quick", "--json"],
        capture_output=True,
        text=True,
        timeout=QUICK_TIMEOUT_S,
        cwd=REPO_ROOT,
        env=env,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    assert lines, f"no JSON report from {module}: exit {done.returncode}\n{done.stderr[-2000:]}"
    return BenchmarkReport.from_json(lines[-1])


def assert_well_formed(report: BenchmarkReport) -> None:
    assert report.error == "", report.error
    assert report.figures, "a benchmark must produce at least one figure"
    assert report.command.startswith("python -m benchmarks.")
    for figure in report.figures:
        assert figure.name and figure.unit, figure
        assert math.isfinite(figure.value), figure
        assert figure.value >= 0, figure
        if figure.goal is not None:
            assert figure.verdict in ("met", "MISSED")


@pytest.mark.parametrize("module", ["throughput", "pages", "memory", "fanout", "suite_speed", "hotpath"])
def test_quick_run_reports_well_formed_figures(module: str) -> None:
    report = run_quick(module)
    assert_well_formed(report)


def test_throughput_states_both_floor_goals() -> None:
    report = run_quick("throughput")
    goals = [figure for figure in report.figures if figure.goal is not None]
    assert len(goals) == 2
    assert all(figure.goal == Goal(">=", 0.5) for figure in goals)


def test_report_round_trips_through_json() -> None:
    report = BenchmarkReport(
        benchmark="pages",
        command="python -m benchmarks.pages",
        figures=[Figure("first page", 1.25, "x", Goal("<=", 1.5), "detail"), Figure("nan", float("nan"), "s")],
        notes=["a note"],
    )
    again = BenchmarkReport.from_json(report.to_json())
    assert again.figures[0] == report.figures[0]
    assert math.isnan(again.figures[1].value)
    assert again.notes == ["a note"]


def test_goal_verdicts() -> None:
    assert Figure("r", 0.5, "ratio", Goal(">=", 0.5)).verdict == "met"
    assert Figure("r", 0.49, "ratio", Goal(">=", 0.5)).verdict == "MISSED"
    assert Figure("c", 1.6, "x", Goal("<=", 1.5)).verdict == "MISSED"
    assert Figure("c", float("nan"), "x", Goal("<=", 1.5)).verdict == "MISSED"
    assert Figure("info", 3.0, "x").verdict == ""


def test_tables_list_every_figure_and_errors() -> None:
    ok = BenchmarkReport(
        "memory", "python -m benchmarks.memory", [Figure("bytes/message", 321.0, "B", Goal("<=", 512))]
    )
    broken = BenchmarkReport("fanout", "python -m benchmarks.fanout", error="ServerStartError: no URL\nmore")
    text = render_text([ok, broken])
    assert "bytes/message" in text and "321" in text and "met" in text
    assert "ERROR: ServerStartError: no URL" in text and "more" not in text
    markdown = render_markdown([ok, broken])
    assert markdown.count("\n") == 3  # header, rule, two rows


def test_unknown_benchmark_name_is_a_clear_error() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "nosuch"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO_ROOT,
    )
    assert done.returncode != 0
    assert "unknown benchmark(s) nosuch" in done.stderr
    assert "Traceback" not in done.stderr


def test_json_is_plain_json() -> None:
    report = BenchmarkReport("x", "python -m benchmarks.x", [Figure("a", 1.0, "s")])
    assert json.loads(report.to_json())["figures"][0]["value"] == 1.0


def test_orchestrator_prints_machine_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "reports.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--only", "pages", "--json-out", str(out)],
        capture_output=True,
        text=True,
        timeout=QUICK_TIMEOUT_S,
        cwd=REPO_ROOT,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nproc:" in done.stdout and "python:" in done.stdout
    assert "get_chats first page" in done.stdout
    saved = json.loads(out.read_text())
    assert [report["benchmark"] for report in saved] == ["pages"]
    assert_well_formed(BenchmarkReport.from_json(json.dumps(saved[0])))
