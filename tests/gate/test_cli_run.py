"""`osmium-conformance run` end to end, in a subprocess, against the bundled server and a dead port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.gate.library import make_library, write_target
from tests.gate.session import REPO_ROOT, Session

PROFILE = """\
# keep me
name: tiny
url: embedded
control_api: auto
capabilities: []
users: {provision: sign-up}
time: clock-control
expected_failures:
  - id: chats.tiny.wrongly-expects-one
    reason: the case is deliberately wrong
    link: https://example.invalid/1
"""


def cli(cwd: Path, *args: str) -> Session:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PY_COLORS": "0"}
    proc = subprocess.run([sys.executable, "-m", "conformance.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    return Session(proc.returncode, proc.stdout + proc.stderr)


def closed_port() -> int:
    """A port nothing listens on: bound, then released."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_run_passing_library_is_exit_0(tmp_path: Path) -> None:
    make_library(tmp_path)
    session = cli(tmp_path, "run", "--report-json", "r.json")
    assert session.exit_code == 0, session.output
    assert json.loads((tmp_path / "r.json").read_text())["counts"]["by_outcome"]["pass"] == 1


def test_run_failure_is_exit_1_with_the_failure_explained(tmp_path: Path) -> None:
    make_library(tmp_path, failing=True)
    session = cli(tmp_path, "run", "--report-html", "r.html")
    assert session.exit_code == 1, session.output
    assert "fail        MUST      chats.tiny.wrongly-expects-one" in session.output
    assert "chats.tiny.wrongly-expects-one" in (tmp_path / "r.html").read_text()


def test_run_with_expected_failure_is_exit_0_and_xpass_is_exit_1(tmp_path: Path) -> None:
    make_library(tmp_path, failing=True)
    target = write_target(tmp_path, PROFILE)
    session = cli(tmp_path, "run", "--target-file", "targets/t.yaml")
    assert session.exit_code == 0, session.output
    assert "xfail" in session.output
    target.write_text(PROFILE.replace("wrongly-expects-one", "list-is-empty"))
    session = cli(tmp_path, "run", "--target-file", "targets/t.yaml")
    assert session.exit_code == 1, session.output
    assert "XPASS chats.tiny.list-is-empty" in session.output
    assert "osmium-conformance run --target-file targets/t.yaml --update-expectations" in session.output


def test_run_update_expectations_rewrites_the_profile(tmp_path: Path) -> None:
    make_library(tmp_path, failing=True)
    target = write_target(tmp_path, PROFILE.replace("wrongly-expects-one", "list-is-empty"))
    session = cli(tmp_path, "run", "--target-file", "targets/t.yaml", "--update-expectations")
    assert session.exit_code == 0, session.output
    text = target.read_text()
    assert text.startswith("# keep me\nname: tiny\n")
    assert [e["id"] for e in yaml.safe_load(text)["expected_failures"]] == ["chats.tiny.wrongly-expects-one"]
    assert cli(tmp_path, "run", "--target-file", "targets/t.yaml").exit_code == 0


def test_run_unreachable_target_is_exit_3(tmp_path: Path) -> None:
    make_library(tmp_path, failing=True)
    session = cli(tmp_path, "run", "--target", f"ws://127.0.0.1:{closed_port()}/")
    assert session.exit_code == 3, session.output
    assert "target unreachable" in session.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "-k", "no-such-case"], "no scenario was collected"),
        (["run", "--target-file", "targets/nope.yaml"], "nope.yaml"),
        (["run", "--update-expectations"], "--update-expectations needs --target-file"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_run_usage_errors_are_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    make_library(tmp_path)
    session = cli(tmp_path, *args)
    assert session.exit_code == 2, session.output
    assert message in session.output


def test_run_in_parallel(tmp_path: Path) -> None:
    make_library(tmp_path, failing=True)
    write_target(tmp_path, PROFILE)
    session = cli(tmp_path, "run", "-n", "2", "--target-file", "targets/t.yaml", "--junitxml", "j.xml")
    assert session.exit_code == 0, session.output
    assert 'name="case_id" value="chats.tiny.list-is-empty"' in (tmp_path / "j.xml").read_text()


def test_running_one_area_keeps_the_other_areas_expectations_known(tmp_path: Path) -> None:
    from tests.gate.library import FAILING_CASE

    make_library(tmp_path, failing=True)
    (tmp_path / "cases/dms").mkdir()
    (tmp_path / "cases/dms/elsewhere.yaml").write_text(
        FAILING_CASE.replace("chats.tiny.wrongly-expects-one", "dms.tiny.elsewhere"))
    write_target(tmp_path, PROFILE + "  - {id: dms.tiny.elsewhere, reason: fails too}\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PY_COLORS": "0"}

    def run_chats_only() -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "cases/chats",
                               "--target-file", "targets/t.yaml"], cwd=tmp_path, env=env, capture_output=True,
                              text=True, timeout=600, check=False)

    proc = run_chats_only()
    assert proc.returncode == 0, proc.stdout + proc.stderr
    write_target(tmp_path, PROFILE + "  - {id: dms.tiny.nowhere, reason: renamed}\n")
    proc = run_chats_only()
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "expected failure 'dms.tiny.nowhere' matches no case id" in proc.stdout
