"""One WebSocket connection to the target, speaking the Osmium envelope (one protobuf per binary frame).

A reader task sorts incoming frames: results go to the request waiting for their `req_id`, updates go
to the device's inbox. Everything the target does wrong (garbage, text frames, closing, results nobody
asked for) is recorded, and every wait ends at its deadline with a message saying what was seen.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from google.protobuf.message import DecodeError, Message

from conformance.errors import TargetUnreachable
from conformance.wire.trace import FrameTrace
from osmiumwire import core_pb2, updates_pb2

MAX_FRAME = 16 * 1024 * 1024  # far above any sane answer; bounds what a hostile target can make us buffer


class WireFailure(Exception):
    """The target did not answer as the protocol says (timeout, close, garbage); fails the step."""


@dataclass(frozen=True)
class CloseInfo:
    code: int | None
    reason: str


@dataclass
class ReceivedUpdate:
    update: updates_pb2.Update
    sequence: int  # arrival order on this socket

    @property
    def member(self) -> str:
        return self.update.WhichOneof("update") or ""

    @property
    def payload(self) -> Message:
        return getattr(self.update, self.member) if self.member else self.update


class Connection:
    """One socket of one device: send requests, await their results, collect updates."""

    def __init__(self, label: str, trace: FrameTrace) -> None:
        self.label = label
        self.trace = trace
        self.inbox: list[ReceivedUpdate] = []
        self.unsolicited: list[core_pb2.RPCResult] = []  # results whose req_id nobody was waiting for
        self.closed: CloseInfo | None = None
        self.broken: str | None = None  # the target sent something that is not a ServerMessage
        self.authenticated = False
        self.opened = False  # the WebSocket handshake succeeded
        self._pending: dict[int, deque[asyncio.Future[core_pb2.RPCResult]]] = {}
        self._next_id = 1
        self._changed = asyncio.Condition()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task[None] | None = None
        self._updates_seen = 0

    async def open(self, session: aiohttp.ClientSession, url: str, timeout: float) -> None:
        try:
            self._ws = await asyncio.wait_for(
                session.ws_connect(url, max_msg_size=MAX_FRAME, compress=0, autoping=True), timeout
            )
        except TimeoutError:
            raise TargetUnreachable(f"connecting to {url} took longer than {timeout:g}s") from None
        except aiohttp.WSServerHandshakeError as exc:
            raise TargetUnreachable(f"{url} refused the WebSocket handshake: HTTP {exc.status} {exc.message}") from None
        except (aiohttp.ClientError, OSError) as exc:
            raise TargetUnreachable(f"cannot connect to {url}: {exc}") from None
        self.trace.event(self.label, f"connected to {url}")
        self.opened = True
        self._reader = asyncio.create_task(self._read_loop())

    def allocate_id(self) -> int:
        request_id = self._next_id
        self._next_id += 1
        return request_id

    async def send_request(
        self, member: str, body: Message | None, req_id: int | None = None
    ) -> asyncio.Future[core_pb2.RPCResult]:
        """Send `ClientMessage{id, member: body}`; the future resolves with the RPCResult for that id."""
        message = core_pb2.ClientMessage(id=self.allocate_id() if req_id is None else req_id)
        getattr(message, member).CopyFrom(body if body is not None else getattr(message, member))
        if body is None:
            getattr(message, member).SetInParent()
        future: asyncio.Future[core_pb2.RPCResult] = asyncio.get_running_loop().create_future()
        self._pending.setdefault(message.id, deque()).append(future)
        await self.send_bytes(message.SerializeToString())
        return future

    async def request(
        self, member: str, body: Message | None, timeout: float, req_id: int | None = None
    ) -> core_pb2.RPCResult:
        future = await self.send_request(member, body, req_id)
        return await self.await_result(future, f"the answer to {member}", timeout)

    async def await_result(
        self, future: asyncio.Future[core_pb2.RPCResult], what: str, timeout: float
    ) -> core_pb2.RPCResult:
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        except TimeoutError:
            raise WireFailure(f"{self.label}: no answer for {what} within {timeout:g}s{self._situation()}") from None

    def _situation(self) -> str:
        notes = []
        if self.unsolicited:
            ids = ", ".join(str(r.req_id) for r in self.unsolicited[-5:])
            notes.append(f"results arrived for req_id(s) nobody asked for: {ids}")
        if self.closed:
            notes.append(f"the socket was closed (code {self.closed.code})")
        if self.broken:
            notes.append(self.broken)
        return ("; " + "; ".join(notes)) if notes else ""

    async def send_bytes(self, data: bytes) -> None:
        self.trace.sent(self.label, data)
        await self._send(lambda ws: ws.send_bytes(data))

    async def send_text(self, text: str) -> None:
        self.trace.sent_text(self.label, text)
        await self._send(lambda ws: ws.send_str(text))

    async def _send(self, action: Callable[[aiohttp.ClientWebSocketResponse], Any]) -> None:
        if self._ws is None or self.closed is not None or self._ws.closed:
            raise WireFailure(f"{self.label}: cannot send, the socket is closed{self._situation()}")
        try:
            await action(self._ws)
        except (ConnectionError, aiohttp.ClientError, RuntimeError) as exc:
            raise WireFailure(f"{self.label}: sending failed: {exc}{self._situation()}") from None

    async def wait_until(self, ready: Callable[[], bool], timeout: float) -> bool:
        """Wait until `ready()` holds (re-checked on every frame or socket event); False at the deadline."""

        async def until() -> None:
            async with self._changed:
                await self._changed.wait_for(lambda: ready() or self.closed is not None or self.broken is not None)

        try:
            await asyncio.wait_for(until(), timeout)
        except TimeoutError:
            return ready()
        return ready()

    def fault(self) -> str | None:
        """Why nothing more can arrive on this socket, if that is the case."""
        if self.broken:
            return self.broken
        if self.closed:
            return f"the socket was closed (code {self.closed.code})"
        return None

    def consume(self, received: list[ReceivedUpdate]) -> None:
        ids = {id(r) for r in received}
        self.inbox = [r for r in self.inbox if id(r) not in ids]

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _read_loop(self) -> None:
        assert self._ws is not None
        try:
            async for frame in self._ws:
                if frame.type == aiohttp.WSMsgType.BINARY:
                    self._on_binary(frame.data)
                elif frame.type == aiohttp.WSMsgType.TEXT:
                    self._break(f"the target sent a text frame: {frame.data[:80]!r}")
                elif frame.type == aiohttp.WSMsgType.ERROR:
                    self._break(_describe_ws_error(frame.data if frame.data is not None else self._ws.exception()))
                await self._notify()
        except (aiohttp.ClientError, ConnectionError) as exc:
            self.trace.event(self.label, f"read error: {exc}")
        finally:
            code = self._ws.close_code
            self.closed = CloseInfo(code, "")
            self.trace.event(self.label, f"closed by the target (code {code})" if code else "closed")
            self._fail_pending(f"the socket was closed (code {code})")
            await self._notify()

    def _on_binary(self, data: bytes) -> None:
        try:
            message = core_pb2.ServerMessage.FromString(data)
        except DecodeError:
            description = f"undecodable frame of {len(data)} bytes: {data[:32].hex(' ')}"
            self.trace.received_garbage(self.label, description)
            self._break(f"the target sent an {description}")
            return
        self.trace.received(self.label, message)
        kind = message.WhichOneof("message")
        if kind == "result":
            waiting = self._pending.get(message.result.req_id)
            while waiting:
                future = waiting.popleft()
                if not future.done():
                    future.set_result(message.result)
                    return
            self.unsolicited.append(message.result)
        elif kind == "update":
            self._updates_seen += 1
            self.inbox.append(ReceivedUpdate(message.update, self._updates_seen))
        else:
            self._break(f"the target sent a ServerMessage (id {message.id}) with neither result nor update")

    def _break(self, reason: str) -> None:
        if self.broken is None:
            self.broken = reason
        self._fail_pending(reason)

    def _fail_pending(self, reason: str) -> None:
        for waiting in self._pending.values():
            for future in waiting:
                if not future.done():
                    future.set_exception(WireFailure(f"{self.label}: {reason}"))
                    future.exception()  # marks it retrieved: a request nobody awaits any more is not an error
        self._pending.clear()

    async def close(self) -> None:
        if self._ws is not None and not self._ws.closed:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._ws.close(), 1.0)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader


def _describe_ws_error(error: object) -> str:
    """aiohttp's WebSocket errors in words (a frame over the size limit is the usual one: code 1009)."""
    if isinstance(error, aiohttp.WebSocketError):
        return f"WebSocket protocol error (close code {error.code}): {error}"
    return f"WebSocket error: {error or 'the connection failed'}"
