"""The conformance suite against hostile targets (issue 7): every scenario ends within its timeout with a
clear message, the run finishes, the exit code is 1 (3 for a closed port), never a hang or a traceback.

Each test serves one toy (tests/hostile/toys.py) on loopback and runs `osmium-conformance run` against it,
as a user would, on the two scenarios of tests/hostile/scenarios/ (copied into a `cases/` folder of a
scratch directory) with a short step timeout. The subprocess bound is only there to turn a hang into a
failure; it is never reached when the suite behaves.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.hostile.toys import closed_port_url, running

SCENARIOS = Path(__file__).parent / "scenarios"
SCENARIO_IDS = ("hostile.flow.request-and-result", "hostile.flow.update-and-silence")
STEP_TIMEOUT_S = "1"
RUN_BOUND_S = 120  # a hang fails the test here; a healthy run takes a few seconds
EXIT_CONFORMANCE_FAILURE, EXIT_UNREACHABLE = 1, 3
# Passed through to pytest: the engine grades with its own checks, not `assert`, so rewriting the asserts of
# every imported module (half of a run's start-up) buys nothing here; hypothesis plays no part in a run.
PYTEST_SPEEDUPS = ("--assert=plain", "-p", "no:hypothesispytest")
FRAME_TRACE_LINE = re.compile(r"^\s+\d+(\.\d+)?m?s ")  # "   2.5ms alice <- ...": frames, not the verdict


@dataclass(frozen=True)
class Hostility:
    """One toy, the exit code the suite must end with, and what its report must say about it."""

    toy: str
    exit_code: int
    says: str  # a regex the report must match: the reason in words a user can act on
    step_timeout: str = STEP_TIMEOUT_S


HOSTILITIES = [
    Hostility("never-answers", EXIT_CONFORMANCE_FAILURE, r"no answer .* within 1(\.0)?s"),
    Hostility("never-pushes", EXIT_CONFORMANCE_FAILURE, r"(no update|did not receive|within 1(\.0)?s)"),
    Hostility("wrong-req-id", EXIT_CONFORMANCE_FAILURE, r"req_id.*nobody asked for"),
    Hostility("closes-mid-scenario", EXIT_CONFORMANCE_FAILURE, r"closed.*1011"),
    Hostility("drops-the-connection", EXIT_CONFORMANCE_FAILURE, r"closed \(code 1006\)"),
    Hostility("sends-garbage", EXIT_CONFORMANCE_FAILURE, r"undecodable frame"),
    Hostility("sends-text", EXIT_CONFORMANCE_FAILURE, r"text frame"),
    Hostility("sends-enormous-frames", EXIT_CONFORMANCE_FAILURE, r"(frame of \d+ bytes|too big|1009|limit)"),
    # 2 s: connecting the second actor must not lose the race against the flood on a loaded CI machine.
    Hostility("floods-updates", EXIT_CONFORMANCE_FAILURE, r"(no update|within 2(\.0)?s)", step_timeout="2"),
    Hostility("declares-64-mib", EXIT_CONFORMANCE_FAILURE, r"1009.*exceeds limit"),
    Hostility("hangs-in-the-handshake", EXIT_UNREACHABLE, r"target unreachable: connecting to .* took longer than"),
    Hostility("closed-port", EXIT_UNREACHABLE, r"target unreachable: cannot connect"),
]
REPORT_LINES_BOUND = 1_000  # two failing scenarios, each with its trace: a report a person can still read


def suite_command() -> str:
    """The installed `osmium-conformance` script: the venv's own, even when the venv is not activated (CI)."""
    beside = Path(sys.executable).parent / "osmium-conformance"
    found = str(beside) if beside.exists() else shutil.which("osmium-conformance")
    if found is None:
        pytest.fail("osmium-conformance is not installed (pip install -e .)")
    return found


def run_suite(url: str, scratch: Path, step_timeout: str) -> subprocess.CompletedProcess[str]:
    cases = scratch / "cases"
    shutil.copytree(SCENARIOS, cases)
    command = [suite_command(), "run", "--cases", str(cases), "--target", url, "--step-timeout", step_timeout,
               *PYTEST_SPEEDUPS]
    return subprocess.run(command, cwd=scratch, capture_output=True, text=True, timeout=RUN_BOUND_S, check=False)


@pytest.mark.parametrize("hostility", HOSTILITIES, ids=[h.toy for h in HOSTILITIES])
def test_the_suite_ends_cleanly_against_a_hostile_target(hostility: Hostility, tmp_path: Path) -> None:
    if hostility.toy == "closed-port":
        completed = run_suite(closed_port_url(), tmp_path, hostility.step_timeout)
    else:
        with running(hostility.toy) as toy:
            completed = run_suite(toy.url, tmp_path, hostility.step_timeout)
    output = completed.stdout + completed.stderr
    shown = f"exit {completed.returncode}\n--- stdout (end)\n{completed.stdout[-3000:]}\n--- stderr\n{completed.stderr}"
    assert "Traceback" not in output, shown
    assert completed.returncode == hostility.exit_code, shown
    assert f"exit code {hostility.exit_code}" in completed.stdout, shown
    reported = SCENARIO_IDS if hostility.exit_code == EXIT_CONFORMANCE_FAILURE else SCENARIO_IDS[:1]
    for case_id in reported:  # every scenario ended, each with its own verdict
        assert re.search(rf"(fail|error)\s+MUST\s+{re.escape(case_id)}", completed.stdout), shown
    lines = completed.stdout.count("\n")
    assert lines < REPORT_LINES_BOUND, f"the report runs to {lines} lines: a flood must not drown it"
    verdicts = "\n".join(line for line in completed.stdout.splitlines() if not FRAME_TRACE_LINE.match(line))
    assert re.search(hostility.says, verdicts), f"the report does not say /{hostility.says}/\n{shown}"

