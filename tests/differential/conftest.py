"""Servers for the differential tests: the reference in-process, broken copies in subprocesses."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mockserver.embedded import EmbeddedServer

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Running:
    url: str
    admin_url: str


@pytest.fixture(scope="module")
def reference() -> Iterator[Running]:
    with EmbeddedServer() as server:
        yield Running(server.url, server.admin_url)


def start_broken(mutation: str) -> tuple[subprocess.Popen[str], Running]:
    """`python -m tests.differential.broken MUTATION`: its first stdout line is the URL it serves."""
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.differential.broken", mutation, "--port", "0", "--admin", "--virtual-clock"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    assert process.stdout is not None
    url = process.stdout.readline().strip()
    if not url.startswith("ws://"):
        process.kill()
        raise RuntimeError(f"the broken server {mutation} did not start (first line {url!r})")
    return process, Running(url, url.replace("ws://", "http://").rstrip("/") + "/__admin")
