"""The target of this pytest process, resolved once, lazily, on the first scenario that runs.

With no target the bundled server starts in-process (one per xdist worker); nothing starts in a pytest
run that collects no case. Reachability and capabilities are learnt here, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from conformance.errors import TargetUnreachable
from conformance.runner.admin import AdminClient, AdminError
from conformance.runner.runner import RunSettings
from conformance.target import TargetProfile
from conformance.wire.client import Connection
from conformance.wire.trace import FrameTrace

# The bundled target only ever stores the suite's throwaway passwords, and a run signs up about 800 actors:
# at the server's default scrypt cost (about 10 ms a hash) that is most of the mock's time. 256 keeps the
# same KDF, salted, at about 0.65 ms a hash (docs/performance.md, "Suite").
BUNDLED_SCRYPT_N = 256


@dataclass(frozen=True)
class RunIdentity:
    """Run id and worker id: with the scenario, they make every created name unique on a shared server."""

    run_id: str
    worker: str
    worker_index: int
    worker_count: int

    def unique_for(self, scenario_id: str, attempt: int) -> str:
        digest = hashlib.sha1(scenario_id.encode()).hexdigest()[:6]
        suffix = f"-{attempt}" if attempt else ""
        return f"{self.run_id}-{self.worker}-{digest}{suffix}"


def run_identity(workerinput: dict[str, Any] | None) -> RunIdentity:
    if workerinput:
        worker = str(workerinput.get("workerid", "gw0"))
        run_id = str(workerinput.get("testrunuid", uuid.uuid4().hex))[:6]
        index = int(worker[2:]) if worker[2:].isdigit() else 0
        count = int(workerinput.get("workercount", os.environ.get("PYTEST_XDIST_WORKER_COUNT", 1)))
        return RunIdentity(run_id, worker, index, count)
    return RunIdentity(uuid.uuid4().hex[:6], "w0", 0, 1)


class TargetSession:
    """Starts (or finds) the target once per process and hands out the RunSettings for scenarios."""

    def __init__(
        self, profile: TargetProfile, url_override: str | None, step_timeout: float, identity: RunIdentity
    ) -> None:
        self.profile = profile
        self.url_override = url_override
        self.step_timeout = step_timeout
        self.identity = identity
        self.settings: RunSettings | None = None
        self.unreachable: str | None = None
        self._embedded: Any = None

    def resolve(self) -> RunSettings:
        """The settings for this process's target; raises TargetUnreachable (again) once it failed."""
        if self.unreachable:
            raise TargetUnreachable(self.unreachable)
        if self.settings is None:
            try:
                self.settings = self._resolve()
            except TargetUnreachable as exc:
                self.unreachable = str(exc)
                raise
        return self.settings

    def _resolve(self) -> RunSettings:
        url, admin_url = self._locate()
        capabilities, admin_url = asyncio.run(self._probe(url, admin_url))
        time_mode = "clock-control" if "clock-control" in capabilities else self.profile.time
        tokens = self.profile.tokens[self.identity.worker_index :: max(self.identity.worker_count, 1)]
        return RunSettings(url, admin_url, frozenset(capabilities), time_mode, self.step_timeout, tuple(tokens))

    def _locate(self) -> tuple[str, str | None]:
        if self.url_override is None and self.profile.embedded:
            try:
                from mockserver.embedded import EmbeddedServer
            except ImportError as exc:
                raise TargetUnreachable(f"no --target given and the bundled server cannot be imported: {exc}") from None
            self._embedded = EmbeddedServer(virtual_clock=True, scrypt_n=BUNDLED_SCRYPT_N)
            try:
                url = str(self._embedded.start())
            except Exception as exc:
                raise TargetUnreachable(f"the bundled server did not start: {exc}") from None
            return url, str(self._embedded.admin_url)
        url = self.url_override or self.profile.url
        control = self.profile.control_api
        if control == "auto":
            parts = urlsplit(url)
            scheme = "https" if parts.scheme == "wss" else "http"
            control = f"{scheme}://{parts.netloc}"
        return url, control

    async def _probe(self, url: str, admin_url: str | None) -> tuple[list[str], str | None]:
        async with aiohttp.ClientSession() as session:
            connection = Connection("probe", FrameTrace())
            await connection.open(session, url, self.step_timeout)
            await connection.close()
            if admin_url is None:
                return list(self.profile.capabilities), None
            try:
                return await AdminClient(session, admin_url, self.step_timeout).capabilities(), admin_url
            except (AdminError, TargetUnreachable):
                if self.profile.control_api not in (None, "auto") or self.profile.embedded:
                    raise TargetUnreachable(f"the control API at {admin_url} does not answer") from None
                return list(self.profile.capabilities), None

    def stop(self) -> None:
        if self._embedded is not None:
            with contextlib.suppress(Exception):
                self._embedded.stop()
            self._embedded = None
