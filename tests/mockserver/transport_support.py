"""Shared helpers for the transport tests: a fake domain, a small protocol client, an embedded server.

The fake domain keeps these tests about the transport: it binds sockets on `auth_authorize` with a token of
the form "user:<id>", and lets each test decide what any other request produces.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp

from mockserver.clock import Clock
from mockserver.domain.contract import Binding, Caller, Delivery, Outcome
from mockserver.embedded import EmbeddedServer
from mockserver.snowflake import SnowflakeGenerator
from osmiumwire import core_pb2, updates_pb2

SAFETY_TIMEOUT_S = 10.0  # only so that a broken server fails a test instead of hanging it; never asserted on

Handler = Callable[[Caller, core_pb2.ClientMessage], Outcome]


def empty_outcome(caller: Caller, message: core_pb2.ClientMessage) -> Outcome:
    return Outcome(result=core_pb2.RPCResult())


@dataclass(frozen=True)
class FakeSeeded:
    user_id: int
    session_id: int
    token: str


class FakeService:
    """A stand-in for ChatService: authorize binds "user:<id>" tokens; `handler` answers everything else."""

    def __init__(self) -> None:
        self.handler: Handler = empty_outcome
        self.calls: list[tuple[Caller, str]] = []
        self.resets = 0

    def handle(self, caller: Caller, client_message: core_pb2.ClientMessage) -> Outcome:
        member = client_message.WhichOneof("message") or ""
        self.calls.append((caller, member))
        if member == "auth_authorize":
            user_id = int(client_message.auth_authorize.token.removeprefix("user:"))
            result = core_pb2.RPCResult()
            result.authorization.token = client_message.auth_authorize.token
            result.authorization.user.id = user_id
            result.authorization.session_id = user_id * 10
            return Outcome(result=result, bind=Binding(user_id, user_id * 10))
        return self.handler(caller, client_message)

    def seed_user(
        self, name: str, *, username: str | None = None, email: str | None = None, password: str | None = None
    ) -> FakeSeeded:
        return FakeSeeded(7, 70, "user:7")

    def dump(self) -> dict[str, object]:
        return {"users": [{"id": (1 << 60) + 1}], "calls": len(self.calls)}

    def reset(self) -> None:
        self.resets += 1


def typing_update(user_id: int) -> updates_pb2.Update:
    """A small, recognisable update."""
    update = updates_pb2.Update()
    update.chat_typing.user_id = user_id
    update.chat_typing.typing = True
    return update


def big_update(text_bytes: int) -> updates_pb2.Update:
    """An update whose frame is about `text_bytes` long, to fill socket buffers."""
    update = updates_pb2.Update()
    update.message_created.message.message = "x" * text_bytes
    return update


def deliver_to(*deliveries: Delivery) -> Handler:
    """A handler answering an empty result and causing these deliveries."""

    def handler(caller: Caller, message: core_pb2.ClientMessage) -> Outcome:
        return Outcome(result=core_pb2.RPCResult(), deliveries=list(deliveries))

    return handler


@contextmanager
def fake_server(**options: Any) -> Iterator[tuple[EmbeddedServer, FakeService]]:
    service = FakeService()

    def factory(clock: Clock, ids: SnowflakeGenerator) -> FakeService:
        return service

    with EmbeddedServer(service_factory=factory, **options) as server:
        yield server, service


def request(req_id: int, member: str, **fields: Any) -> core_pb2.ClientMessage:
    message = core_pb2.ClientMessage(id=req_id)
    sub = getattr(message, member)
    sub.SetInParent()
    for name, value in fields.items():
        setattr(sub, name, value)
    return message


class WireClient:
    """One socket speaking raw frames; every receive is bounded by the safety timeout."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws

    async def send(self, message: core_pb2.ClientMessage) -> None:
        await self.ws.send_bytes(message.SerializeToString())

    async def receive(self) -> core_pb2.ServerMessage:
        frame = await self.ws.receive(timeout=SAFETY_TIMEOUT_S)
        assert frame.type is aiohttp.WSMsgType.BINARY, f"expected a binary frame, got {frame.type} {frame.data!r}"
        message = core_pb2.ServerMessage()
        message.ParseFromString(frame.data)
        return message

    async def call(self, message: core_pb2.ClientMessage) -> core_pb2.RPCResult:
        await self.send(message)
        answer = await self.receive()
        assert answer.WhichOneof("message") == "result", answer
        assert answer.result.req_id == message.id, answer
        return answer.result

    async def initialize(self, *, no_subscribe: bool = False) -> None:
        result = await self.call(request(1, "core_initialize", no_subscribe=no_subscribe))
        assert result.WhichOneof("result") == "initialized", result

    async def authorize(self, user_id: int) -> None:
        result = await self.call(request(2, "auth_authorize", token=f"user:{user_id}"))
        assert result.WhichOneof("result") == "authorization", result

    async def closed(self) -> aiohttp.WSMessage:
        """Read until the server's close arrives; returns the close message."""
        while True:
            frame = await self.ws.receive(timeout=SAFETY_TIMEOUT_S)
            if frame.type is aiohttp.WSMsgType.CLOSE:
                await self.ws.close()  # complete the closing handshake, as a well-behaved client does
            if frame.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                return frame


async def connect(session: aiohttp.ClientSession, url: str) -> WireClient:
    ws = await session.ws_connect(url, max_msg_size=0, autoclose=False)
    return WireClient(ws)


def run(coroutine_function: Callable[[], Any]) -> Any:
    """Run one async test body on a fresh loop (the server lives on its own loop in another thread)."""
    return asyncio.run(coroutine_function())
