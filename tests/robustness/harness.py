"""A reference server on loopback for one test module, with the knobs the robustness tests turn.

The tests use the same `EmbeddedServer` the pytest plugin uses (its own loop in a daemon thread, virtual
clock, control API on, a free port), with options such as a small send queue or frame limit, and read its
state through the control API (`GET /__admin/state`), exactly as an outside observer would.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mockserver.embedded import EmbeddedServer

HTTP_BOUND_S = 10.0


@contextmanager
def serving(**options: Any) -> Iterator[EmbeddedServer]:
    """Serve a fresh reference server (virtual clock, admin on, 127.0.0.1, free port) for the block."""
    with EmbeddedServer(virtual_clock=True, **options) as server:
        yield server


def admin_get(server: EmbeddedServer | str, path: str) -> Any:
    """`GET /__admin/<path>` as JSON (`server`: an embedded server, or the control API's base URL)."""
    base = server if isinstance(server, str) else server.admin_url
    with urllib.request.urlopen(f"{base.rstrip('/')}/{path}", timeout=HTTP_BOUND_S) as response:
        return json.loads(response.read())


def admin_post(server: EmbeddedServer, path: str, body: object) -> Any:
    """`POST /__admin/<path>` with a JSON body, as JSON."""
    request = urllib.request.Request(
        f"{server.admin_url.rstrip('/')}/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=HTTP_BOUND_S) as response:
        return json.loads(response.read())


def state(server: EmbeddedServer) -> Any:
    """The server's state dump (`GET /__admin/state`)."""
    return admin_get(server, "state")


def http_status(url: str) -> int:
    """The HTTP status of a GET (404s and friends are answers, not exceptions, here)."""
    try:
        with urllib.request.urlopen(url, timeout=HTTP_BOUND_S) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
