"""A small synchronous facade over the engine's `Connection`, for hypothesis properties.

Each property example signs up fresh users (unique emails), so examples never see each other's data and
the target needs no reset.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from google.protobuf import json_format

from conformance.differential.ops import build_request
from conformance.differential.pair import LoopThread
from conformance.runner.admin import AdminClient
from conformance.wire.client import Connection
from conformance.wire.trace import FrameTrace
from osmiumwire import core_pb2

_users = itertools.count(1)


class PropertyFailure(AssertionError):
    """A property did not hold on the target."""


@dataclass
class Target:
    """Where the properties run, and how long one request may take."""

    url: str
    admin_url: str | None = None
    timeout: float = 5.0
    loop: LoopThread = field(default_factory=LoopThread)
    run_tag: str = field(default_factory=lambda: secrets.token_hex(4))

    def user(self, name: str) -> User:
        return User.sign_up(self, name)

    def advance_clock(self, ms: int) -> None:
        assert self.admin_url is not None, "clock-control properties need the target's control API"

        async def advance() -> None:
            async with aiohttp.ClientSession() as http:
                await AdminClient(http, self.admin_url or "", self.timeout).advance(ms)

        self.loop.run(advance(), self.timeout * 2)

    def now_ms(self) -> int:
        assert self.admin_url is not None

        async def read() -> int:
            async with aiohttp.ClientSession() as http:
                return (await AdminClient(http, self.admin_url or "", self.timeout).clock()).now_ms

        return self.loop.run(read(), self.timeout * 2)

    def close(self) -> None:
        self.loop.close()


class User:
    """One signed-up user on one socket."""

    def __init__(self, target: Target, connection: Connection, http: aiohttp.ClientSession) -> None:
        self.target = target
        self.connection = connection
        self._http = http
        self.id = 0

    @classmethod
    def sign_up(cls, target: Target, name: str) -> User:
        async def open_socket() -> User:
            http = aiohttp.ClientSession()
            connection = Connection(name, FrameTrace())
            try:
                await connection.open(http, target.url, target.timeout)
            except BaseException:
                await http.close()
                raise
            return cls(target, connection, http)

        user = target.loop.run(open_socket(), target.timeout * 2)
        user.call("core_initialize", {"device_type": "properties"})
        email = f"{name}.{target.run_tag}.{next(_users)}@properties.test"
        answer = user.call("auth_sign_up", {"email": email, "password": "pw", "name": name})
        if answer.WhichOneof("result") != "authorization":
            raise PropertyFailure(f"sign-up of {name} failed: {answer}")
        user.id = answer.authorization.user.id
        user.connection.authenticated = True
        return user

    def call(self, member: str, body: dict[str, Any]) -> core_pb2.RPCResult:
        request = build_request(member, body)
        return self.target.loop.run(self.connection.request(member, request, self.target.timeout),
                                    self.target.timeout * 2)

    def ok(self, member: str, body: dict[str, Any]) -> Any:
        """Call and return the result member (as a protobuf message); a PropertyFailure on an error."""
        result = self.call(member, body)
        which = result.WhichOneof("result")
        if which == "error":
            raise PropertyFailure(f"{member} {body} answered error {result.error.error_code}: "
                                  f"{result.error.error_message}")
        return getattr(result, which) if which else None

    def close(self) -> None:
        async def close() -> None:
            await self.connection.close()
            await self._http.close()

        self.target.loop.run(close(), self.target.timeout * 2)


def as_dict(message: Any) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)

