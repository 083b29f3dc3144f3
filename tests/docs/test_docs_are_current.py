"""Generated documentation is up to date with what it is generated from."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_coverage_table_is_regenerated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)
    fresh = tmp_path / "coverage.md"
    assert main(["coverage", "--markdown", str(fresh)]) == 0, capsys.readouterr().out
    committed = (ROOT / "docs" / "coverage.md").read_text()
    assert fresh.read_text() == committed, (
        "docs/coverage.md is stale: osmium-conformance coverage --markdown docs/coverage.md")


def test_readme_links_resolve() -> None:
    import re

    readme = (ROOT / "README.md").read_text()
    targets = re.findall(r"\]\(([^)#]+)\)", readme)
    missing = [t for t in targets if not t.startswith("http") and not (ROOT / t).exists()]
    assert targets and missing == []
