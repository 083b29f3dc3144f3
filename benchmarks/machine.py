"""What the figures were measured on: they mean nothing without the machine and its load at the time."""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def lscpu_head(lines: int = 10) -> list[str]:
    if shutil.which("lscpu") is None:
        return [f"(no lscpu) {platform.processor() or platform.machine()}"]
    done = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10, check=False)
    return done.stdout.splitlines()[:lines]


def load_average() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "n/a"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def describe_machine() -> list[str]:
    return [
        f"nproc: {cpu_count()}",
        f"python: {sys.version.split()[0]} ({platform.python_implementation()}) on {platform.platform()}",
        f"load average (1/5/15 min) at start: {load_average()}",
        "lscpu | head:",
        *(f"    {line}" for line in lscpu_head()),
    ]
