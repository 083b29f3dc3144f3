"""Invite codes are opaque to the case library (semantics.md §16.26: "tests must treat codes as opaque").

The reference server's default is the spec's REF choice (8 characters, 47.6 bits); `osmium-mock
--invite-code-length N` changes it. Every case that creates, looks up, uses, lists or deletes an invite is run
here against a server whose codes are 12 characters long: a case that assumed the REF length would fail.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

from tests.gate.session import REPO_ROOT
from tests.robustness.process import mock_process

# The case files whose scenarios send or check invite codes (grep -l invite cases/*/*.yaml, requirements aside).
INVITE_CASE_FILES = (
    "cases/invites",
    "cases/errors/member.yaml",
    "cases/errors/owner.yaml",
    "cases/errors/non_member.yaml",
    "cases/errors/unknown_group.yaml",
    "cases/errors/unauthenticated.yaml",
    "cases/groups/ownership.yaml",
    "cases/groups/service_messages.yaml",
    "cases/groups/remove_member.yaml",
)


def test_every_invite_case_passes_with_longer_codes(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    with mock_process("--admin", "--virtual-clock", "--invite-code-length", "12") as mock:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "PY_COLORS": "0"}
        proc = subprocess.run(
            [sys.executable, "-m", "conformance.cli", "run", *INVITE_CASE_FILES, "--target", mock.url,
             "--report-json", str(report), "-p", "no:cacheprovider"],
            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
        )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    outcomes = Counter(result["outcome"] for result in json.loads(report.read_text())["cases"])
    assert set(outcomes) == {"pass"} and outcomes["pass"] > 60, outcomes  # clock cases too: nothing unsupported
