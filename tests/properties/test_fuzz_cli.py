"""`osmium-conformance fuzz`: exit codes and its report (issue 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cli import main


def test_fuzz_against_a_second_reference_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["fuzz", "--examples", "2", "--steps", "6", "--seed", "5", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "history.before-walk" in out and "no divergence" in out
    assert list(tmp_path.iterdir()) == []  # nothing diverged, nothing written


def test_fuzz_against_an_unreachable_target_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["fuzz", "--target", "ws://127.0.0.1:9/", "--examples", "1", "--out", str(tmp_path)])
    assert code == 3
    assert "unreachable" in capsys.readouterr().err
