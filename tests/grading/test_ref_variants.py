"""Every MUST case holds against servers that make other spec-allowed REF choices (see ref_variants.py).

A MUST case may still come out `non-strict` there (a REFERENCE-level check inside it, such as an exact error
code, saw the other choice) or `unsupported` (a step that `assumes:` a REF choice was refused), but never
`fail`. A variant whose choice no case can see (`all_levels`) must pass every selected case outright.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from mockserver.embedded import EmbeddedServer
from tests.gate.session import REPO_ROOT
from tests.grading.ref_variants import VARIANTS, Variant


def run_cases(url: str, selection: tuple[str, ...], report: Path) -> tuple[int, str, list[dict[str, object]]]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PY_COLORS": "0"}
    proc = subprocess.run(
        [sys.executable, "-m", "conformance.cli", "run", *selection, "--target", url,
         "--report-json", str(report), "-p", "no:cacheprovider"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    cases = json.loads(report.read_text())["cases"] if report.exists() else []
    return proc.returncode, proc.stdout + proc.stderr, cases


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_must_cases_do_not_lean_on_a_ref_choice(variant: Variant, tmp_path: Path) -> None:
    with EmbeddedServer(virtual_clock=True, service_factory=variant.factory, **variant.server_options) as server:
        code, output, cases = run_cases(server.url, variant.selection, tmp_path / "report.json")
    allowed = {"pass"} if variant.all_levels else {"pass", "non-strict", "unsupported"}
    wrong = sorted(f"{case['id']} ({case['outcome']})" for case in cases if case["outcome"] not in allowed)
    assert code == 0 and not wrong, f"{variant.name} ({variant.rule}): {wrong}\n{output[-3000:]}"
    outcomes = Counter(str(case["outcome"]) for case in cases)
    assert outcomes["pass"] >= 0.8 * len(cases) > 30, outcomes  # the selection ran, clock cases included
