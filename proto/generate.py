"""Regenerate the Python modules and mypy stubs of `proto/osmiumwire/` from its `.proto` sources.

    python proto/generate.py            # rewrite the committed modules in place
    python proto/generate.py OUT_DIR    # write them under OUT_DIR/osmiumwire instead

Uses the pinned `grpcio-tools` and `mypy-protobuf` of the `test` extra, so that the output is
reproducible byte for byte (tests/wire/test_generated_code.py compares it with what is committed).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

PROTO_ROOT = Path(__file__).resolve().parent
PACKAGE = "osmiumwire"


def proto_sources() -> list[str]:
    return sorted(f"{PACKAGE}/{p.name}" for p in (PROTO_ROOT / PACKAGE).glob("*.proto"))


def mypy_plugin() -> str:
    """mypy-protobuf's protoc plugin: beside this interpreter (a venv used without activation), else on PATH."""
    beside = Path(sys.executable).parent / "protoc-gen-mypy"
    if beside.exists():
        return str(beside)
    found = shutil.which("protoc-gen-mypy")
    if found is None:
        raise RuntimeError("protoc-gen-mypy not found: install the test extra (pip install -e '.[test]')")
    return found


def generate(out_dir: Path) -> None:
    from grpc_tools import protoc  # imported late: only the test extra installs it

    out_dir.mkdir(parents=True, exist_ok=True)
    args = ["protoc", f"-I{PROTO_ROOT}", f"--plugin=protoc-gen-mypy={mypy_plugin()}", f"--python_out={out_dir}",
            f"--mypy_out={out_dir}", *proto_sources()]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed: " + " ".join(args))


if __name__ == "__main__":
    generate(Path(sys.argv[1]) if len(sys.argv) > 1 else PROTO_ROOT)
