"""`osmium-mock` as a separate process, the way users run it: for its logs, its flags and its memory.

The first stdout line is the URL it serves; stderr (its log) is kept in a file and returned at the end.
Waiting for the URL is bounded (a selector on the pipe, never a sleep); stopping is SIGTERM, then a bound.
"""

from __future__ import annotations

import selectors
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

START_BOUND_S = 20.0
STOP_BOUND_S = 10.0


class MockDidNotStart(RuntimeError):
    pass


@dataclass
class MockProcess:
    url: str
    process: subprocess.Popen[bytes]
    stderr_path: Path
    log: str = field(default="")  # filled once the process has stopped

    @property
    def http_base(self) -> str:
        """`http://host:port` of the same listener (where `/__admin/` lives when enabled)."""
        return "http://" + urlsplit(self.url).netloc

    def memory_kib(self) -> dict[str, int]:
        """VmRSS (now) and VmHWM (peak resident set since start) from /proc, in KiB."""
        figures: dict[str, int] = {}
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                figures[key] = int(value.split()[0])
        return figures


@contextmanager
def mock_process(*args: str) -> Iterator[MockProcess]:
    """Run `python -m mockserver --port 0 <args>` for the block; its stderr log is in `.log` afterwards."""
    with tempfile.TemporaryDirectory() as scratch:
        stderr_path = Path(scratch) / "stderr.log"
        with stderr_path.open("wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "mockserver", "--port", "0", *args],
                stdout=subprocess.PIPE,
                stderr=stderr,
            )
        running = MockProcess("", process, stderr_path)
        try:
            running.url = _first_line(process)
            yield running
        finally:
            process.terminate()
            try:
                process.wait(STOP_BOUND_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_BOUND_S)
            if process.stdout is not None:
                process.stdout.close()
            running.log = stderr_path.read_text(errors="replace")


def _first_line(process: subprocess.Popen[bytes]) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(START_BOUND_S):
            raise MockDidNotStart(f"osmium-mock printed no URL within {START_BOUND_S}s")
    line = process.stdout.readline().decode().strip()
    if not line.startswith("ws://"):
        raise MockDidNotStart(f"osmium-mock did not print its URL first (exit {process.poll()}): {line!r}")
    return line
