"""A minimal headless-Chromium driver over the DevTools protocol (aiohttp WebSocket), for the HTML report test.

No playwright: Debian's `chromium` and the aiohttp the project already depends on are enough to load a page,
evaluate JavaScript in it, watch its network requests and take a screenshot.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import re
import shutil
import subprocess
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
GUARD_TIMEOUT_S = 60  # only against a hung browser; nothing is asserted about time


def find_chromium() -> str | None:
    return next((path for name in CHROMIUM_NAMES if (path := shutil.which(name))), None)


class Page:
    """One browser tab attached in flat mode: commands carry its session id."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._session: str | None = None
        self.events: list[dict[str, Any]] = []

    async def send(self, method: str, **params: Any) -> dict[str, Any]:
        call_id = next(self._ids)
        message: dict[str, Any] = {"id": call_id, "method": method, "params": params}
        if self._session is not None:
            message["sessionId"] = self._session
        await self._ws.send_json(message)
        while True:
            reply = await self._ws.receive_json()
            if reply.get("id") == call_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    async def wait_event(self, method: str) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = await self._ws.receive_json()
            self.events.append(event)
            if event.get("method") == method:
                return event

    async def open(self, url: str) -> None:
        target = await self.send("Target.createTarget", url="about:blank")
        attached = await self.send("Target.attachToTarget", targetId=target["targetId"], flatten=True)
        self._session = attached["sessionId"]
        await self.send("Page.enable")
        await self.send("Network.enable")
        await self.send("Page.navigate", url=url)
        await self.wait_event("Page.loadEventFired")

    async def evaluate(self, expression: str) -> Any:
        reply = await self.send("Runtime.evaluate", expression=expression, returnByValue=True)
        if "exceptionDetails" in reply:
            raise RuntimeError(f"page script failed: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    async def screenshot(self, path: Path) -> None:
        reply = await self.send("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        path.write_bytes(base64.b64decode(reply["data"]))

    def requested_urls(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]


@asynccontextmanager
async def headless_page(chromium: str, profile_dir: Path) -> AsyncIterator[Page]:
    """Start Chromium, read its DevTools URL from stderr (no polling), yield a page, close the browser."""
    proc = subprocess.Popen(
        [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
         "--remote-debugging-port=0", f"--user-data-dir={profile_dir}", "--window-size=1280,900", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        ws_url = await asyncio.wait_for(asyncio.to_thread(_devtools_url, proc), GUARD_TIMEOUT_S)
        async with aiohttp.ClientSession() as http, http.ws_connect(ws_url, max_msg_size=0) as ws:
            yield Page(ws)
    finally:
        proc.kill()
        proc.wait()
        if proc.stderr:
            proc.stderr.close()


def _devtools_url(proc: subprocess.Popen[str]) -> str:
    assert proc.stderr is not None
    seen = []
    for line in proc.stderr:
        seen.append(line)
        match = re.search(r"DevTools listening on (ws://\S+)", line)
        if match:
            # Keep draining stderr so a chatty browser never blocks on a full pipe.
            threading.Thread(target=proc.stderr.read, daemon=True).start()
            return match.group(1)
    raise RuntimeError("chromium exited before listening:\n" + "".join(seen[-20:]))
