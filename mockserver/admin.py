"""The control API under `/__admin/` (JSON): capabilities, clock, reset, users, state, frames, faults.

Ids are rendered as decimal strings: snowflakes exceed 2^53 and would lose digits in JavaScript-style JSON
readers. Bad input is answered 400 with `{"error": "..."}` naming what is wrong.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from mockserver.faults import Fault, FaultError
from mockserver.seed import SeedError, parse_users, seed

if TYPE_CHECKING:
    from mockserver.app import MockServer

PREFIX = "/__admin"
MAX_SAFE_JSON_INT = (1 << 53) - 1
BASE_CAPABILITIES = ("sign-up", "seed-users", "multi-device", "raw-frames", "admin")

Handler = Callable[[web.Request], Awaitable[web.Response]]


class AdminInputError(ValueError):
    """A control API request the server cannot act on (answered 400)."""


def _reply(body: object, status: int = 200) -> web.Response:
    return web.json_response(_safe_ints(body), status=status)


def _safe_ints(value: object) -> object:
    """Integers beyond 2^53 become decimal strings, at any depth."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and abs(value) > MAX_SAFE_JSON_INT:
        return str(value)
    if isinstance(value, dict):
        return {str(key): _safe_ints(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_safe_ints(item) for item in value]
    return value


def _guarded(handler: Handler) -> Handler:
    """Turn user mistakes into a one-line 400 JSON answer instead of a traceback."""

    async def wrapper(request: web.Request) -> web.Response:
        try:
            return await handler(request)
        except (AdminInputError, SeedError, FaultError) as error:
            return _reply({"error": str(error)}, status=400)

    return wrapper


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        body = json.loads(await request.read() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise AdminInputError(f"request body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise AdminInputError("request body must be a JSON object")
    return body


def _int_field(body: dict[str, Any], key: str, *, minimum: int = 0) -> int:
    value = body[key]
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise AdminInputError(f"'{key}' must be an integer >= {minimum}, got {value!r}")
    return value


def _query_int(request: web.Request, key: str, *, minimum: int) -> int | None:
    raw = request.query.get(key)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise AdminInputError(f"query parameter '{key}' must be an integer, got {raw!r}") from None
    if value < minimum:
        raise AdminInputError(f"query parameter '{key}' must be >= {minimum}")
    return value


class AdminAPI:
    """The control API's handlers, bound to one server."""

    def __init__(self, server: MockServer) -> None:
        self.server = server

    async def capabilities(self, request: web.Request) -> web.Response:
        names = list(BASE_CAPABILITIES)
        if self.server.virtual_clock is not None:
            names.insert(1, "clock-control")
        return _reply({"capabilities": names})

    async def get_clock(self, request: web.Request) -> web.Response:
        clock = self.server.clock
        return _reply({"now_ms": clock.now_ms(), "virtual": self.server.virtual_clock is not None})

    async def post_clock(self, request: web.Request) -> web.Response:
        body = await _json_body(request)
        clock = self.server.virtual_clock
        if clock is None:
            return _reply({"error": "the clock is real; start the server with a virtual clock to control it"}, 409)
        if set(body) == {"set_ms"}:
            clock.set_ms(_int_field(body, "set_ms"))
        elif set(body) == {"advance_ms"}:
            clock.advance_ms(_int_field(body, "advance_ms"))
        else:
            raise AdminInputError('expected exactly one of {"set_ms": n} or {"advance_ms": n}')
        return _reply({"now_ms": clock.now_ms()})

    async def post_reset(self, request: web.Request) -> web.Response:
        await self.server.reset()
        return _reply({"reset": True})

    async def post_users(self, request: web.Request) -> web.Response:
        server = self.server
        users = parse_users(await _json_body(request))
        return _reply({"users": [user.to_json() for user in seed(server.service, users)]})

    async def get_state(self, request: web.Request) -> web.Response:
        return _reply(self.server.service.dump())

    async def get_frames(self, request: web.Request) -> web.Response:
        journal = self.server.journal
        limit = _query_int(request, "limit", minimum=1)
        conn_id = _query_int(request, "conn", minimum=1)
        entries = journal.entries(limit=limit, conn_id=conn_id)
        return _reply({"enabled": journal.enabled, "limit": journal.limit, "frames": [e.to_json() for e in entries]})

    async def post_frames(self, request: web.Request) -> web.Response:
        journal = self.server.journal
        body = await _json_body(request)
        unknown = set(body) - {"enabled", "limit"}
        if unknown or not isinstance(body.get("enabled"), bool):
            raise AdminInputError('expected {"enabled": true|false[, "limit": n]}')
        limit = _int_field(body, "limit", minimum=1) if "limit" in body else None
        journal.configure(enabled=body["enabled"], limit=limit)
        return _reply({"enabled": journal.enabled, "limit": journal.limit})

    async def delete_frames(self, request: web.Request) -> web.Response:
        self.server.journal.clear()
        return _reply({"cleared": True})

    async def get_faults(self, request: web.Request) -> web.Response:
        return _reply({"faults": [fault.to_json() for fault in self.server.faults.armed()]})

    async def post_faults(self, request: web.Request) -> web.Response:
        fault = Fault.from_json(await _json_body(request))
        self.server.faults.add(fault)
        return _reply({"armed": fault.to_json()})

    async def delete_faults(self, request: web.Request) -> web.Response:
        self.server.faults.clear()
        return _reply({"faults": []})

    async def get_connections(self, request: web.Request) -> web.Response:
        """Open sockets and the most recent closes: what a test needs to see that a socket was dropped, and why."""
        registry = self.server.registry
        open_connections = [
            {
                "conn": connection.conn_id,
                "initialized": connection.state.initialized,
                "no_subscribe": connection.state.no_subscribe,
                "user_id": None if connection.state.binding is None else str(connection.state.binding.user_id),
            }
            for connection in registry.all()
        ]
        closes = [
            {"conn": close.conn_id, "code": close.code, "reason": close.reason} for close in registry.recent_closes
        ]
        return _reply({"open": open_connections, "closed": closes})




def admin_routes(server: MockServer) -> list[web.RouteDef]:
    api = AdminAPI(server)
    table: list[tuple[str, str, Handler]] = [
        ("GET", "capabilities", api.capabilities),
        ("GET", "clock", api.get_clock),
        ("POST", "clock", api.post_clock),
        ("POST", "reset", api.post_reset),
        ("POST", "users", api.post_users),
        ("GET", "state", api.get_state),
        ("GET", "frames", api.get_frames),
        ("POST", "frames", api.post_frames),
        ("DELETE", "frames", api.delete_frames),
        ("GET", "faults", api.get_faults),
        ("POST", "faults", api.post_faults),
        ("DELETE", "faults", api.delete_faults),
        ("GET", "connections", api.get_connections),
    ]
    return [web.route(method, f"{PREFIX}/{name}", _guarded(handler)) for method, name, handler in table]
