"""One server under comparison (`Side`), and the pair of them that runs every operation on both.

After each operation every device of the side is synchronised with a round-trip barrier, so the updates
the operation caused have arrived; they are normalised and compared as multisets per device (the order of
updates across sockets is not fixed by the spec).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from conformance.differential.normalize import AliasOrigin, AliasTable, Normalizer
from conformance.differential.ops import ClockOp, Op, build_request, resolve, time_leaves
from conformance.runner.admin import AdminClient
from conformance.runner.barrier import barrier
from conformance.wire.client import Connection
from conformance.wire.trace import FrameTrace
from osmiumwire import auth_pb2, core_pb2

_run_counter = itertools.count(1)


@dataclass(frozen=True)
class Cast:
    """The actors of one sequence: names and their devices (`u0@d0`, `u0@d1`, ...)."""

    actors: tuple[str, ...]
    devices: dict[str, tuple[str, ...]]

    @staticmethod
    def default(actors: int = 4, devices_of_first: int = 2) -> Cast:
        names = tuple(f"u{i}" for i in range(actors))
        devices = {name: tuple(f"{name}@d{d}" for d in range(devices_of_first if i == 0 else 1))
                   for i, name in enumerate(names)}
        return Cast(names, devices)

    def all_devices(self) -> list[str]:
        return [device for actor in self.actors for device in self.devices[actor]]


@dataclass
class Observation:
    """What one side answered to one operation, normalised."""

    result: dict[str, Any]
    updates: dict[str, list[dict[str, Any]]]
    new_aliases: dict[str, AliasOrigin] = field(default_factory=dict)

    def comparable(self) -> tuple[str, dict[str, list[str]]]:
        canonical = {device: sorted(json.dumps(u, sort_keys=True) for u in items)
                     for device, items in self.updates.items()}
        return json.dumps(self.result, sort_keys=True), canonical


class Side:
    """Connections of every device of the cast to one server, and that server's alias table."""

    def __init__(self, label: str, url: str, admin_url: str | None, timeout: float) -> None:
        self.label = label
        self.url = url
        self.admin_url = admin_url
        self.timeout = timeout
        self.table = AliasTable()
        self.connections: dict[str, Connection] = {}
        self.trace = FrameTrace()
        self._http: aiohttp.ClientSession | None = None
        self._user_ids: dict[str, int] = {}

    async def open(self, cast: Cast, run_tag: str) -> None:
        self._http = aiohttp.ClientSession()
        await asyncio.gather(*(self._provision(actor, cast.devices[actor], run_tag) for actor in cast.actors))
        for actor in cast.actors:  # bound in cast order, whatever order the sign-ups finished in
            self.table.bind(actor, "s", self._user_ids[actor])

    async def _provision(self, actor: str, devices: tuple[str, ...], run_tag: str) -> None:
        assert self._http is not None
        token = ""
        for index, device in enumerate(devices):
            connection = Connection(f"{self.label}:{device}", self.trace)
            await connection.open(self._http, self.url, self.timeout)
            self.connections[device] = connection
            await self._call(connection, "core_initialize", core_pb2.Initialize(device_type="differential"))
            if index == 0:
                email = f"{actor}.{run_tag}@differential.test"
                answer = await self._call(connection, "auth_sign_up",
                                          auth_pb2.SignUp(email=email, password="pw-" + run_tag, name=actor))
            else:
                answer = await self._call(connection, "auth_authorize", auth_pb2.Authorize(token=token))
            if answer.WhichOneof("result") != "authorization":
                raise RuntimeError(f"{self.label}: could not provision {device}: {answer}")
            token = answer.authorization.token
            connection.authenticated = True
            self._user_ids[actor] = answer.authorization.user.id

    async def _call(self, connection: Connection, member: str, body: Any) -> core_pb2.RPCResult:
        return await connection.request(member, body, self.timeout)

    async def run(self, index: int, op: Op, devices: list[str]) -> Observation:
        for leaf in time_leaves(op.body):
            assert self._http is not None and self.admin_url is not None, "absolute times need a control API"
            now = (await AdminClient(self._http, self.admin_url, self.timeout).clock()).now_ms
            self.table.bind(leaf.alias, "s", now + leaf.offset_ms)
        body = resolve(op.body, self.table.value)
        result = await self._call(self.connections[op.device], op.member, build_request(op.member, body))
        normalizer = Normalizer(self.table)
        member = result.WhichOneof("result")
        if member == "error":
            normalized: dict[str, Any] = {"error": result.error.error_code}
        elif member is None:
            normalized = {"empty": True}
        else:
            normalized = {member: normalizer.walk(getattr(result, member))}
        origins = {alias: AliasOrigin(index, "result", op.device, -1, f"{member}.{path}")
                   for alias, path in normalizer.new_aliases.items()}
        connections = [self.connections[device] for device in devices]
        await asyncio.gather(*(barrier(connection, self.timeout) for connection in connections))
        updates: dict[str, list[dict[str, Any]]] = {}
        for device, connection in zip(devices, connections, strict=True):
            received = list(connection.inbox)
            connection.consume(received)
            items = []
            for position, item in enumerate(received):
                walker = Normalizer(self.table)
                items.append({item.member: walker.walk(item.payload)})
                for alias, path in walker.new_aliases.items():
                    origins[alias] = AliasOrigin(index, "update", device, position, path)
            updates[device] = items
        return Observation(normalized, updates, origins)

    async def advance(self, op: ClockOp) -> None:
        assert self._http is not None and self.admin_url is not None
        await AdminClient(self._http, self.admin_url, self.timeout).advance(op.advance_ms)

    async def has_clock_control(self) -> bool:
        if self.admin_url is None:
            return False
        async with aiohttp.ClientSession() as http:
            try:
                return "clock-control" in await AdminClient(http, self.admin_url, self.timeout).capabilities()
            except Exception:
                return False

    async def close(self) -> None:
        for connection in self.connections.values():
            await connection.close()
        self.connections.clear()
        if self._http is not None:
            with contextlib.suppress(Exception):
                await self._http.close()


def run_tag() -> str:
    """A tag unique to one sequence of one process: names and emails never collide on a shared server."""
    import os
    import secrets

    return f"{os.getpid()}-{next(_run_counter)}-{secrets.token_hex(3)}"
