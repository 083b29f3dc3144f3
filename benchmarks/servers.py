"""Servers under measurement run in their own process, so that the client and the server each get a core.

`ServerProcess` starts `python -m <module> --port 0 ...`, reads the URL the server prints first, and stops
it with SIGTERM (then SIGKILL) on exit. The server's stderr is kept in a temporary file so that a server
that fails to start gives a readable error instead of a hang.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import tempfile
from pathlib import Path
from types import TracebackType

STARTUP_TIMEOUT_S = 30.0
REPO_ROOT = Path(__file__).resolve().parent.parent  # `benchmarks` is not installed: run it from the checkout
STOP_TIMEOUT_S = 10.0


def with_repo_on_path(python_path: str | None) -> str:
    """PYTHONPATH for a child interpreter that must import `benchmarks` from this checkout."""
    return os.pathsep.join([str(REPO_ROOT), *([python_path] if python_path else [])])


class ServerStartError(Exception):
    """The server process exited or printed no ws:// URL in time."""


ECHO_COMMAND = ("benchmarks.echo_server",)
MOCK_COMMAND = ("mockserver",)


class ServerProcess:
    """An async context manager around one server subprocess; `url` is valid inside the block."""

    def __init__(self, module_and_args: tuple[str, ...], extra_env: dict[str, str] | None = None) -> None:
        self._argv = (sys.executable, "-m", *module_and_args, "--port", "0")
        self._env = {**os.environ, **(extra_env or {}), "PYTHONPATH": with_repo_on_path(os.environ.get("PYTHONPATH"))}
        self._process: asyncio.subprocess.Process | None = None
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the process; closed on exit)
        self.url = ""

    @property
    def command(self) -> str:
        return " ".join(["python", *self._argv[1:]])

    @property
    def pid(self) -> int:
        if self._process is None:
            raise RuntimeError("server not started")
        return self._process.pid

    async def __aenter__(self) -> ServerProcess:
        self._process = await asyncio.create_subprocess_exec(
            *self._argv, stdout=asyncio.subprocess.PIPE, stderr=self._stderr, env=self._env
        )
        assert self._process.stdout is not None
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), STARTUP_TIMEOUT_S)
        except TimeoutError:
            await self.stop()
            raise ServerStartError(f"{self.command}: printed no URL within {STARTUP_TIMEOUT_S:.0f}s") from None
        url = next((word for word in line.decode(errors="replace").split() if word.startswith("ws://")), "")
        if not url:
            await self.stop()
            raise ServerStartError(f"{self.command}: expected a ws:// URL first, got {line!r}\n{self.stderr_tail()}")
        self.url = url
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    async def stop(self) -> int | None:
        """SIGTERM, wait, SIGKILL if needed; returns the exit code."""
        process = self._process
        if process is None or process.returncode is not None:
            return None if process is None else process.returncode
        process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
        except TimeoutError:
            process.kill()
            return await process.wait()

    def stderr_tail(self, limit: int = 2000) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-limit:]
