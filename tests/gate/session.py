"""Run a real pytest session in a subprocess with the fake core plugin, to test the gate end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Session:
    exit_code: int
    output: str


def write_cases(directory: Path, *cases: dict[str, Any], name: str = "scenarios.cases") -> Path:
    path = directory / name
    path.write_text("".join(json.dumps(case) + "\n" for case in cases))
    return path


def run_session(directory: Path, *args: str) -> Session:
    (directory / "pytest.ini").write_text("[pytest]\n")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PY_COLORS": "0"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:osmium_conformance", "-p", "tests.gate.fake_core",
         "-p", "no:cacheprovider", "-q", *args],
        cwd=directory, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    return Session(proc.returncode, proc.stdout + proc.stderr)
