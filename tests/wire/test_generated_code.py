"""The committed generated code is exactly what the pinned generator makes from the committed sources."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "proto"))
from generate import PACKAGE, generate  # noqa: E402

GENERATED_SUFFIXES = ("_pb2.py", "_pb2.pyi")


def test_regenerated_code_matches_committed(tmp_path: Path) -> None:
    generate(tmp_path)
    fresh = {p.name: p.read_bytes() for p in (tmp_path / PACKAGE).iterdir() if p.name.endswith(GENERATED_SUFFIXES)}
    committed = {
        p.name: p.read_bytes() for p in (ROOT / "proto" / PACKAGE).iterdir() if p.name.endswith(GENERATED_SUFFIXES)
    }
    assert sorted(fresh) == sorted(committed), "generated file set differs: run `python proto/generate.py`"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"stale generated code in {stale}: run `python proto/generate.py`"


def test_runtime_floor_matches_generated_code() -> None:
    import re

    header = (ROOT / "proto" / PACKAGE / "core_pb2.py").read_text()
    generated = re.search(r"Protobuf Python Version: (\d+\.\d+\.\d+)", header)
    assert generated is not None
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'"protobuf>={generated.group(1)}' in pyproject
