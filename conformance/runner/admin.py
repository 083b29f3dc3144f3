"""Client of a target's control API (`/__admin/...`): capabilities, clock, seeded users.

Only the bundled server has one by default; other targets declare their capabilities in their profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from conformance.errors import TargetUnreachable


class AdminError(Exception):
    """The control API answered, but not as expected."""


@dataclass(frozen=True)
class ClockReading:
    now_ms: int
    virtual: bool


@dataclass(frozen=True)
class SeededUser:
    id: int
    session_id: int
    token: str


def admin_base(url: str) -> str:
    """`http://host:port` or `http://host:port/__admin` → the `/__admin` base."""
    url = url.rstrip("/")
    return url if url.endswith("/__admin") else url + "/__admin"


class AdminClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, timeout: float) -> None:
        self.session = session
        self.base = admin_base(base_url)
        self.timeout = aiohttp.ClientTimeout(total=timeout)

    async def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        url = f"{self.base}/{path}"
        try:
            async with self.session.request(method, url, json=body, timeout=self.timeout) as response:
                if response.status >= 400:
                    text = (await response.text())[:200]
                    raise AdminError(f"{method} {url} answered HTTP {response.status}: {text}")
                return await response.json(content_type=None)
        except TimeoutError:
            raise AdminError(f"{method} {url} did not answer in time") from None
        except aiohttp.ClientConnectorError as exc:
            raise TargetUnreachable(f"control API {url} unreachable: {exc}") from None
        except (aiohttp.ClientError, ValueError) as exc:
            raise AdminError(f"{method} {url} failed: {exc}") from None

    async def capabilities(self) -> list[str]:
        answer = await self._call("GET", "capabilities")
        capabilities = answer.get("capabilities") if isinstance(answer, dict) else None
        if not isinstance(capabilities, list):
            raise AdminError(f"GET {self.base}/capabilities: expected {{'capabilities': [...]}}, got {answer!r}")
        return [str(c) for c in capabilities]

    async def clock(self) -> ClockReading:
        return self._reading(await self._call("GET", "clock"))

    async def advance(self, ms: int) -> ClockReading:
        return self._reading(await self._call("POST", "clock", {"advance_ms": ms}))

    async def set(self, ms: int) -> ClockReading:
        return self._reading(await self._call("POST", "clock", {"set_ms": ms}))

    def _reading(self, answer: Any) -> ClockReading:
        if not isinstance(answer, dict) or "now_ms" not in answer:
            raise AdminError(f"{self.base}/clock: expected {{'now_ms': ..., 'virtual': ...}}, got {answer!r}")
        return ClockReading(int(answer["now_ms"]), bool(answer.get("virtual", False)))

    async def seed_users(self, users: list[dict[str, str]]) -> list[SeededUser]:
        answer = await self._call("POST", "users", {"users": users})
        seeded = answer.get("users") if isinstance(answer, dict) else None
        if not isinstance(seeded, list) or len(seeded) != len(users):
            raise AdminError(f"POST {self.base}/users: expected {len(users)} users back, got {answer!r}")
        return [SeededUser(int(u["id"]), int(u["session_id"]), str(u["token"])) for u in seeded]
