"""The differential machine agrees with itself, finds deliberately broken servers, and writes cases that
fail on the broken copy and pass on the reference (issue 6)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conformance.differential.pair import Endpoints
from conformance.differential.runner import run_differential
from mockserver.embedded import EmbeddedServer
from tests.differential.conftest import Running, start_broken

REGISTRY = """\
- id: regressions.differential
  level: MUST
  section: "13"
  tag: REF
  text: The target answers every operation of a recorded sequence as the reference does.
"""


def _endpoints(target: Running, reference: Running) -> Endpoints:
    return Endpoints(target.url, reference.url, target.admin_url, reference.admin_url)


def test_reference_agrees_with_a_second_reference(reference: Running) -> None:
    with EmbeddedServer() as other:
        result = run_differential(_endpoints(Running(other.url, other.admin_url), reference),
                                  examples=8, steps=20, seed=1, clock_control=True)
    assert result.ok, result.divergence
    assert result.sequences >= 8
    assert result.operations > 50
    assert result.non_strict == []


def _run_case(case_root: Path, target: str | None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "cases/regressions"]
    if target is not None:
        command += ["--target", target]
    return subprocess.run(command, cwd=case_root, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("mutation", "examples"), [
    ("history-before-inclusive", 60),
    ("unread-off-by-one", 60),
    ("invite-expiry-strict", 150),
])
def test_broken_server_is_caught_and_written_as_a_case(
    mutation: str, examples: int, reference: Running, tmp_path: Path
) -> None:
    process, broken = start_broken(mutation)
    try:
        out_dir = tmp_path / "cases" / "regressions"
        result = run_differential(_endpoints(broken, reference), examples=examples, steps=25, seed=7,
                                  clock_control=True, out_dir=out_dir, shrink_budget_s=30)
        assert result.divergence is not None, f"{mutation}: no divergence in {result.operations} operations"
        assert result.case_file is not None and result.case_file.exists()
        assert len(result.divergence.history) <= 8, result.divergence.report.describe()
        steps = yaml.safe_load(result.case_file.read_text())["scenarios"][0]["steps"]
        last_send = max(i for i, step in enumerate(steps) if "send" in step)
        context = [step for i, step in enumerate(steps[:last_send]) if "set" not in step and "clock" not in step]
        assert all(step.get("level") == "REFERENCE" for step in context), steps
        assert any("level" not in step for step in steps[last_send:]), steps  # the divergent check keeps MUST
        (tmp_path / "cases" / "requirements").mkdir()
        (tmp_path / "cases" / "requirements" / "regressions.yaml").write_text(REGISTRY)

        on_broken = _run_case(tmp_path, broken.url)
        assert on_broken.returncode == 1, on_broken.stdout[-3000:]
        on_reference = _run_case(tmp_path, None)
        assert on_reference.returncode == 0, on_reference.stdout[-3000:]
    finally:
        process.kill()
        process.wait(10)
