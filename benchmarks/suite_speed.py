"""Suite speed: wall time of the case library against the embedded mock, per scenario, and who spends it.

Three runs of `python -m pytest cases -q -p no:randomly` (with no target, the plugin starts the bundled
mock in-process, one per xdist worker):

1. `-n 1` and 2. `-n auto`: wall time from the outside, `--durations=0` for every scenario's own time
   (setup + call + teardown; median reported).
3. no xdist, under `-p benchmarks.thread_profile`: cProfile of every thread. The harness's share is the
   busy time of the main thread (pytest, the engine, YAML, schema, the client's sockets) over the busy time
   of all threads (the mock's thread included); blocking waits (epoll, locks, sleep) are not busy time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.harness import Measured, module_main
from benchmarks.results import Figure
from benchmarks.servers import REPO_ROOT, with_repo_on_path
from benchmarks.stats import median
from benchmarks.thread_profile import OUT_ENV

RUN_TIMEOUT_S = 900
DURATION_LINE = re.compile(r"^(?P<seconds>\d+(?:\.\d+)?)s (?P<phase>setup|call|teardown)\s+(?P<node>\S+)")
SUMMARY_COUNTS = re.compile(r"(?P<count>\d+) (?P<kind>passed|failed|errors?|skipped|xfailed|xpassed|tests? collected)")


@dataclass(frozen=True)
class SuiteSizes:
    paths: tuple[str, ...]
    parallel: str

    @classmethod
    def choose(cls, quick: bool) -> SuiteSizes:
        return cls(paths=("cases/session",), parallel="2") if quick else cls(paths=("cases",), parallel="auto")


@dataclass(frozen=True)
class SuiteRun:
    command: str
    wall_s: float
    exit_code: int
    scenario_s: dict[str, float]
    counts: dict[str, int]


class SuiteRunFailed(Exception):
    """pytest ran no scenario at all (usage error, nothing collected, or a hang)."""


def pytest_argv(paths: tuple[str, ...], *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "pytest", *paths, "-q", "-p", "no:randomly", "-p", "no:cacheprovider",
        "--continue-on-collection-errors", *extra,
    ]  # fmt: skip


def run_suite(argv: list[str], env_extra: dict[str, str] | None = None) -> SuiteRun:
    env = {**os.environ, "PYTHONPATH": with_repo_on_path(os.environ.get("PYTHONPATH")), **(env_extra or {})}
    command = "python " + " ".join(argv[1:])
    started = time.perf_counter()
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=RUN_TIMEOUT_S, cwd=REPO_ROOT, env=env)
    except subprocess.TimeoutExpired:
        raise SuiteRunFailed(f"{command}: did not finish within {RUN_TIMEOUT_S}s") from None
    wall = time.perf_counter() - started
    per_node: defaultdict[str, float] = defaultdict(float)
    for line in done.stdout.splitlines():
        match = DURATION_LINE.match(line.strip())
        if match:
            per_node[match["node"]] += float(match["seconds"])
    counts: dict[str, int] = {}
    for line in done.stdout.splitlines()[-5:]:
        for match in SUMMARY_COUNTS.finditer(line):
            counts[match["kind"].rstrip("s") if match["kind"].startswith("error") else match["kind"]] = int(
                match["count"]
            )
    if not counts:
        tail = (done.stdout.strip().splitlines() or done.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise SuiteRunFailed(f"{command}: exit {done.returncode}, no test summary ({tail})")
    return SuiteRun(command, wall, done.returncode, dict(per_node), counts)


def profile_shares(summary: dict[str, Any]) -> tuple[float, float, float, list[str]]:
    """(harness thread share, conformance/ share, mockserver/ share) of busy time, and per-thread notes."""
    busy_by_thread: dict[str, float] = {}
    busy_by_area: defaultdict[str, float] = defaultdict(float)
    notes = []
    for thread, data in summary.items():
        areas: dict[str, float] = data["areas"]
        busy = sum(seconds for area, seconds in areas.items() if area != "idle")
        busy_by_thread[thread] = busy
        for area, seconds in areas.items():
            if area != "idle":
                busy_by_area[area] += seconds
        ranked = sorted(((s, a) for a, s in areas.items() if a != "idle"), reverse=True)[:6]
        notes.append(f"thread {thread}: busy {busy:.1f}s: " + ", ".join(f"{a} {s:.1f}s" for s, a in ranked))
        heaviest = "; ".join(f"{where.rsplit('/', 1)[-1]} {seconds:.1f}s" for seconds, where in data["top"][:5])
        notes.append(f"thread {thread} heaviest own time: {heaviest}")
    total = sum(busy_by_thread.values()) or float("nan")
    main = sum(seconds for thread, seconds in busy_by_thread.items() if thread.endswith(":MainThread"))
    return main / total, busy_by_area["conformance"] / total, busy_by_area["mockserver"] / total, notes


def describe_counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {kind}" for kind, count in counts.items())


def measure(quick: bool) -> Measured:
    sizes = SuiteSizes.choose(quick)
    durations = ("--durations=0", "--durations-min=0")
    collect_only = run_suite(pytest_argv(sizes.paths, "--collect-only"))
    serial = run_suite(pytest_argv(sizes.paths, "-n", "1", *durations))
    parallel = run_suite(pytest_argv(sizes.paths, "-n", sizes.parallel, *durations))
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "profile.json"
        profiled = run_suite(pytest_argv(sizes.paths, "-p", "benchmarks.thread_profile"), {OUT_ENV: str(out)})
        if not out.exists():
            raise SuiteRunFailed(f"{profiled.command}: the profiling plugin wrote no summary")
        summary = json.loads(out.read_text())
    harness, conformance, mockserver, thread_notes = profile_shares(summary)
    scenarios = list(serial.scenario_s.values())
    figures = [
        Figure("wall time, -n 1", serial.wall_s, "s", detail=describe_counts(serial.counts)),
        Figure(f"wall time, -n {sizes.parallel}", parallel.wall_s, "s", detail=describe_counts(parallel.counts)),
        Figure(f"speed-up -n {sizes.parallel} vs -n 1", serial.wall_s / parallel.wall_s, "x"),
        Figure(
            "collection alone (YAML + schema), one process",
            collect_only.wall_s,
            "s",
            detail="every xdist worker collects again",
        ),
        Figure("scenarios timed (-n 1)", float(len(scenarios)), "scenarios"),
        Figure("median scenario (-n 1)", median(scenarios) * 1e3, "ms", detail="setup + call + teardown"),
        Figure("harness (main thread) share of busy time", harness * 100, "%", detail="cProfile, no xdist"),
        Figure("conformance/ own code share", conformance * 100, "%"),
        Figure("mockserver/ own code share", mockserver * 100, "%"),
    ]
    notes = [
        f"collection: {collect_only.command}",
        f"-n 1: {serial.command} (exit {serial.exit_code})",
        f"-n {sizes.parallel}: {parallel.command} (exit {parallel.exit_code})",
        f"profile: {OUT_ENV}=FILE {profiled.command} ({profiled.wall_s:.0f}s under cProfile)",
        *thread_notes,
    ]
    return Measured(figures, notes)


def main(argv: list[str] | None = None) -> int:
    return module_main("suite", "suite_speed", measure, argv)


if __name__ == "__main__":
    sys.exit(main())
