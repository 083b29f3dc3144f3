"""A bare protocol client over raw aiohttp websockets: one reader task per socket, a pluggable frame sink.

Setup steps (`call`) correlate results by `req_id` and drop updates; measurements swap in their own sink
(`set_sink`) that only counts or peeks at frames, so that the client's cost per frame stays minimal and
equal against the echo and the mock. The reader runs from the moment the socket opens, so the server never
sees a client that stopped reading (which it would disconnect).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Callable

import aiohttp

from benchmarks import frames
from osmiumwire import core_pb2

FrameSink = Callable[[bytes], Awaitable[None]]
CALL_TIMEOUT_S = 60.0
MAX_FRAME_BYTES = 64 << 20


def client_session() -> aiohttp.ClientSession:
    """A session without aiohttp's default cap of 100 connections (every open WebSocket holds one)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))


class ConnectionClosed(Exception):
    """The server closed the socket while the benchmark still needed it."""


class Connection:
    """One WebSocket to the server under measurement."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, asyncio.Future[core_pb2.RPCResult]] = {}
        self._sink: FrameSink = self._dispatch
        self.closed = asyncio.Event()
        self._reader = asyncio.create_task(self._read_loop())

    @classmethod
    async def open(cls, session: aiohttp.ClientSession, url: str) -> Connection:
        ws = await session.ws_connect(url, compress=0, max_msg_size=MAX_FRAME_BYTES, autoping=True)
        return cls(ws)

    def next_id(self) -> int:
        return next(self._ids)

    def set_sink(self, sink: FrameSink | None) -> None:
        """Route every incoming frame to `sink` (None: back to result correlation)."""
        self._sink = sink or self._dispatch

    async def send(self, frame: bytes) -> None:
        await self._ws.send_bytes(frame)

    async def call(self, request: core_pb2.ClientMessage) -> core_pb2.RPCResult:
        """Send one request and wait for its result (setup only: not for measured loops)."""
        if self.closed.is_set():
            raise ConnectionClosed("socket already closed")
        future: asyncio.Future[core_pb2.RPCResult] = asyncio.get_running_loop().create_future()
        self._pending[request.id] = future
        await self._ws.send_bytes(request.SerializeToString())
        try:
            return await asyncio.wait_for(future, CALL_TIMEOUT_S)
        finally:
            self._pending.pop(request.id, None)

    async def call_ok(self, request: core_pb2.ClientMessage, expected_member: str) -> core_pb2.RPCResult:
        """`call`, insisting on a successful result carrying `expected_member`."""
        result = await self.call(request)
        member = result.WhichOneof("result")
        if member == "error":
            name = request.WhichOneof("message")
            raise frames.RpcFailed(f"{name}: server answered {result.error.error_code} {result.error.error_message!r}")
        if member != expected_member:
            raise frames.RpcFailed(f"{request.WhichOneof('message')}: expected {expected_member!r}, got {member!r}")
        return result

    async def close(self) -> None:
        await self._ws.close()
        self._reader.cancel()
        await asyncio.gather(self._reader, return_exceptions=True)

    async def _dispatch(self, frame: bytes) -> None:
        if not frames.is_rpc_result(frame):
            return  # an update nobody asked to watch during setup
        result = frames.decode(frame).result
        future = self._pending.get(result.req_id)
        if future is not None and not future.done():
            future.set_result(result)

    async def _read_loop(self) -> None:
        try:
            async for message in self._ws:
                if message.type == aiohttp.WSMsgType.BINARY:
                    await self._sink(message.data)
        finally:
            self.closed.set()
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionClosed(f"server closed the socket ({self._ws.close_code})"))


async def signed_up(session: aiohttp.ClientSession, url: str, name: str) -> tuple[Connection, int]:
    """Open a socket, Initialize and SignUp as `name`; returns the connection and the new user's id."""
    connection = await Connection.open(session, url)
    await connection.call_ok(frames.initialize(connection.next_id()), "initialized")
    result = await connection.call_ok(frames.sign_up(connection.next_id(), name), "authorization")
    return connection, result.authorization.user.id
