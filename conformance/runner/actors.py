"""Users of a scenario: names unique per run, worker and scenario; their sockets, signed in as asked.

A user is created by `auth_sign_up` (capability `sign-up`), seeded through the control API when it needs
a username (`seed-users`), or taken from the target profile's tokens; every further device authorizes
with the user's token (`auth_authorize`, field 5).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import aiohttp

from conformance.runner.admin import AdminClient
from conformance.scenario.model import Actor
from conformance.wire.client import Connection, WireFailure
from conformance.wire.trace import FrameTrace
from osmiumwire import auth_pb2, core_pb2


class SetupFailure(Exception):
    """An actor could not be brought to the state the scenario asks for."""


@dataclass
class ActorHandle:
    """What expressions see as `alice`: `alice.id`, `alice.token`, `alice.name`, ..."""

    actor: str
    name: str
    email: str
    password: str
    username: str
    id: int = 0
    token: str = ""
    session_id: int = 0
    connections: dict[str, Connection] = field(default_factory=dict)

    def __format_in_string__(self) -> str:
        return self.actor

    @property
    def first(self) -> Connection:
        return next(iter(self.connections.values()))

    def learn(self, authorization: auth_pb2.Authorization) -> None:
        """Take the identity from an Authorization the target returned to this user."""
        self.id = authorization.user.id or self.id
        self.token = authorization.token or self.token
        self.session_id = authorization.session_id or self.session_id


def identity(actor: str, unique: str) -> ActorHandle:
    """Names that cannot collide with any other scenario, worker or run on a shared server."""
    compact = unique.replace("-", "")
    return ActorHandle(
        actor=actor,
        name=f"{actor.capitalize()} {unique}",
        email=f"{actor}.{unique}@conformance.test".lower(),
        password=f"pw-{unique}",
        username=f"{actor}_{compact}"[:32].lower(),
    )


class ActorProvisioner:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        trace: FrameTrace,
        timeout: float,
        admin: AdminClient | None,
        tokens: list[str],
    ) -> None:
        self.session = session
        self.url = url
        self.trace = trace
        self.timeout = timeout
        self.admin = admin
        self.tokens = list(tokens)

    async def provision(self, actor: Actor, unique: str) -> ActorHandle:
        handle = identity(actor.name, unique)
        for label in actor.device_labels:
            connection = Connection(label, self.trace)
            handle.connections[label] = connection
        await asyncio.gather(*(c.open(self.session, self.url, self.timeout) for c in handle.connections.values()))
        if actor.setup == "connected":
            return handle
        await asyncio.gather(*(self._initialize(c, actor.no_subscribe) for c in handle.connections.values()))
        if actor.setup == "initialized":
            return handle
        connections = list(handle.connections.values())
        if actor.username:
            await self._seed(handle)
            rest = connections
        elif self.tokens:
            handle.token = self.tokens.pop(0)
            rest = connections
        else:
            authorization = await self._expect_authorization(
                connections[0],
                "auth_sign_up",
                auth_pb2.SignUp(email=handle.email, password=handle.password, name=handle.name),
            )
            handle.learn(authorization)
            rest = connections[1:]
        results = await asyncio.gather(
            *(self._expect_authorization(c, "auth_authorize", auth_pb2.Authorize(token=handle.token)) for c in rest)
        )
        for authorization in results:
            handle.learn(authorization)
        return handle

    async def _initialize(self, connection: Connection, no_subscribe: bool) -> None:
        body = core_pb2.Initialize(
            device_type="conformance", app_version="osmium-conformance", no_subscribe=no_subscribe
        )
        result = await self._request(connection, "core_initialize", body)
        if result.WhichOneof("result") != "initialized":
            raise SetupFailure(f"{connection.label}: core_initialize answered {_short(result)}, expected initialized")

    async def _expect_authorization(
        self, connection: Connection, member: str, body: auth_pb2.SignUp | auth_pb2.Authorize
    ) -> auth_pb2.Authorization:
        result = await self._request(connection, member, body)
        if result.WhichOneof("result") != "authorization":
            raise SetupFailure(f"{connection.label}: {member} answered {_short(result)}, expected authorization")
        connection.authenticated = True
        return result.authorization

    async def _request(
        self, connection: Connection, member: str, body: core_pb2.Initialize | auth_pb2.SignUp | auth_pb2.Authorize
    ) -> core_pb2.RPCResult:
        try:
            return await connection.request(member, body, self.timeout)
        except WireFailure as exc:
            raise SetupFailure(str(exc)) from None

    async def _seed(self, handle: ActorHandle) -> None:
        if self.admin is None:
            raise SetupFailure(f"{handle.actor} needs a username, but the target has no control API to seed users")
        seeded = await self.admin.seed_users(
            [{"name": handle.name, "username": handle.username, "email": handle.email, "password": handle.password}]
        )
        handle.id, handle.session_id, handle.token = seeded[0].id, seeded[0].session_id, seeded[0].token


def _short(result: core_pb2.RPCResult) -> str:
    if result.WhichOneof("result") == "error":
        return f"error {result.error.error_code} {result.error.error_message!r}"
    return result.WhichOneof("result") or "an empty result"
