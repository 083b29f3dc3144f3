"""A small protocol client for the robustness tests: one WebSocket, RPCs correlated by `req_id`, updates kept.

The conformance engine has its own client; this one exists so that the robustness tests exercise the
reference server without depending on the engine, and so that they can send frames no well-behaved client
sends (garbage, text, a raw WebSocket header). It never sleeps: waiting is on futures and events,
with timeouts only as upper bounds.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from google.protobuf.message import Message

from osmiumwire import auth_pb2, core_pb2, updates_pb2

UPPER_BOUND_S = 20.0  # never reached when the server behaves; only stops a broken run from hanging


class RPCFailed(Exception):
    """An RPC answered with `RPCError`; the test asked for a success."""

    def __init__(self, member: str, error: core_pb2.RPCError) -> None:
        super().__init__(f"{member} failed: {error.error_code} {error.error_message}")
        self.code = error.error_code


@dataclass
class Received:
    """Everything one socket got from the server, in arrival order."""

    results: list[core_pb2.RPCResult] = field(default_factory=list)
    updates: list[updates_pb2.Update] = field(default_factory=list)
    undecodable: int = 0
    text_frames: int = 0


class WireClient:
    """One socket speaking the Osmium protocol to a server under test."""

    _ids = itertools.count(1)

    def __init__(self, session: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._session = session
        self.received = Received()
        # Where updates go; a flood test swaps in a counter so the client's own memory stays flat.
        self.on_update: Callable[[updates_pb2.Update], None] = self.received.updates.append
        self.ws = ws
        self._waiting: dict[int, deque[asyncio.Future[core_pb2.RPCResult]]] = {}
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self._reader = asyncio.get_running_loop().create_task(self._read_loop())

    @classmethod
    async def connect(cls, url: str, *, max_msg_size: int = 64 * 1024 * 1024) -> WireClient:
        session = aiohttp.ClientSession()
        try:
            ws = await session.ws_connect(url, compress=0, max_msg_size=max_msg_size, autoping=True)
        except BaseException:
            await session.close()
            raise
        return cls(session, ws)

    async def close(self) -> None:
        if not self.ws.closed:
            await self.ws.close()
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)
        await self._session.close()

    # --- receiving -------------------------------------------------------------------------------------

    async def _read_loop(self) -> None:
        try:
            async for frame in self.ws:
                if frame.type == aiohttp.WSMsgType.BINARY:
                    self._dispatch(frame.data)
                elif frame.type == aiohttp.WSMsgType.TEXT:
                    self.received.text_frames += 1
        finally:
            self.close_code = self.ws.close_code
            self.closed.set()
            for waiters in self._waiting.values():
                for future in waiters:
                    if not future.done():
                        future.set_exception(ConnectionError(f"socket closed with code {self.close_code}"))

    def _dispatch(self, data: bytes) -> None:
        try:
            message = core_pb2.ServerMessage.FromString(data)
        except Exception:
            self.received.undecodable += 1
            return
        if message.WhichOneof("message") == "update":
            self.on_update(message.update)
            return
        result = message.result
        self.received.results.append(result)
        waiters = self._waiting.get(result.req_id)
        if waiters:
            future = waiters.popleft()
            if not future.done():
                future.set_result(result)

    async def wait_closed(self, timeout: float = UPPER_BOUND_S) -> int | None:
        await asyncio.wait_for(self.closed.wait(), timeout)
        return self.close_code

    # --- sending ---------------------------------------------------------------------------------------

    @classmethod
    def next_id(cls) -> int:
        return next(cls._ids) & 0xFFFFFFFF or next(cls._ids)

    def expect_answer(self, req_id: int) -> asyncio.Future[core_pb2.RPCResult]:
        """Register interest in the next answer with this `req_id` (call before sending the frame)."""
        future: asyncio.Future[core_pb2.RPCResult] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(req_id, deque()).append(future)
        return future

    async def send_bytes(self, data: bytes) -> None:
        await self.ws.send_bytes(data)

    async def call(
        self, member: str, body: Message | None = None, *, timeout: float = UPPER_BOUND_S
    ) -> core_pb2.RPCResult:
        """Send one RPC (`member` of ClientMessage, `body` a message or None for an empty one), await its answer."""
        message = core_pb2.ClientMessage(id=self.next_id())
        getattr(message, member).SetInParent()
        if body is not None:
            getattr(message, member).CopyFrom(body)
        answer = self.expect_answer(message.id)
        await self.send_bytes(message.SerializeToString())
        return await asyncio.wait_for(answer, timeout)

    async def ok(self, member: str, body: Message | None = None) -> core_pb2.RPCResult:
        """`call`, and raise `RPCFailed` when the server answered with an error."""
        result = await self.call(member, body)
        if result.WhichOneof("result") == "error":
            raise RPCFailed(member, result.error)
        return result

    @staticmethod
    def barrier_frame(req_id: int) -> bytes:
        """A request every socket gets an answer to and no server state depends on: LookupInvite of a code
        nobody has (400 before Initialize, 404 after; allowed before authorization, semantics.md §3)."""
        message = core_pb2.ClientMessage(id=req_id)
        message.auth_lookup_invite.code = "barrier-no-such-code"
        return message.SerializeToString()

    async def barrier(self) -> None:
        """A round trip: once answered, every frame the server queued for this socket before it has arrived."""
        req_id = self.next_id()
        answer = self.expect_answer(req_id)
        await self.send_bytes(self.barrier_frame(req_id))
        await asyncio.wait_for(answer, UPPER_BOUND_S)


@dataclass
class User:
    """A signed-up user with one authenticated socket."""

    client: WireClient
    user_id: int
    token: str
    session_id: int


_names = itertools.count(1)


async def sign_up(
    url: str, *, email: bool = True, password: str = "correct horse battery staple", no_subscribe: bool = False
) -> User:
    """Open a socket, Initialize, SignUp a fresh user (unique name and email), return it authenticated."""
    client = await WireClient.connect(url)
    await client.ok("core_initialize", core_pb2.Initialize(no_subscribe=no_subscribe))
    n = next(_names)
    body = auth_pb2.SignUp(name=f"robust-{n}")
    if email:
        body.email = f"robust-{n}-{id(client)}@example.test"
        body.password = password
    authorization = (await client.ok("auth_sign_up", body)).authorization
    return User(client, authorization.user.id, authorization.token, authorization.session_id)


async def authorize(url: str, token: str) -> WireClient:
    """A second device of an existing user: Initialize + Authorize with its token."""
    client = await WireClient.connect(url)
    await client.ok("core_initialize")
    await client.ok("auth_authorize", auth_pb2.Authorize(token=token))
    return client
