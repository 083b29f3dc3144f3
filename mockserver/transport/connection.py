"""One WebSocket connection: its protocol state and its bounded send queue drained by a writer task.

Nothing that sends to a socket ever waits for that socket: frames go into a bounded queue and a writer task
drains it. A client that stops reading fills its queue (or stalls one write past the timeout) and is
closed with 1008, so a slow consumer can never hold up the sockets of other users (semantics.md §13).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from aiohttp import web

from mockserver.domain.contract import Binding, Caller
from mockserver.frametext import Direction, to_text
from mockserver.journal import FrameJournal
from mockserver.transport.encoding import result_frame, rpc_result, update_frame
from mockserver.transport.sink import MAX_BATCH_BYTES, FrameSink
from osmiumwire import core_pb2

log = logging.getLogger("mockserver.transport")
frame_log = logging.getLogger("mockserver.frames")

CLOSE_POLICY_VIOLATION = 1008
CLOSE_GOING_AWAY = 1001
_UINT32_MODULO = 1 << 32


@dataclass
class ProtocolState:
    """What the lifecycle of §3 has established on this socket so far."""

    initialized: bool = False
    no_subscribe: bool = False
    binding: Binding | None = None
    caller: Caller = field(default_factory=Caller)  # who the domain sees; changes only with `bind`

    def bind(self, binding: Binding) -> None:
        self.binding = binding
        self.caller = Caller(user_id=binding.user_id, session_id=binding.session_id)


@dataclass
class SendPolicy:
    """Bounds on what one slow socket may cost."""

    queue_frames: int
    send_timeout_s: float
    close_timeout_s: float


@dataclass
class CloseRecord:
    """Why a connection ended, for the control API and for tests."""

    conn_id: int
    code: int
    reason: str


@dataclass
class Connection:
    """A live socket. `send_*` never block; ids are assigned in send order (per connection, from 1)."""

    conn_id: int
    ws: web.WebSocketResponse
    sink: FrameSink
    policy: SendPolicy
    journal: FrameJournal
    log_frames: bool = False
    state: ProtocolState = field(default_factory=ProtocolState)
    close_record: CloseRecord | None = None
    closed: asyncio.Event = field(default_factory=asyncio.Event)  # the socket is closed (or aborted)
    finished: asyncio.Event = field(default_factory=asyncio.Event)  # ... and forgotten by the registry
    _next_server_id: int = 1
    _queue: asyncio.Queue[bytes] = field(init=False)
    _writer: asyncio.Task[None] | None = None
    _closer: asyncio.Task[None] | None = None

    def __post_init__(self) -> None:
        self._queue = asyncio.Queue(maxsize=self.policy.queue_frames)

    def start(self) -> None:
        self._writer = asyncio.get_running_loop().create_task(self._write_loop(), name=f"ws-writer-{self.conn_id}")

    @property
    def subscribed(self) -> bool:
        """Whether updates are pushed to this socket: authenticated, and not initialized with no_subscribe."""
        return self.state.binding is not None and not self.state.no_subscribe and self.close_record is None

    @property
    def queued_frames(self) -> int:
        """Frames waiting for the writer (a client that stopped reading has a full queue)."""
        return self._queue.qsize()

    def send_result(self, req_id: int, result: core_pb2.RPCResult) -> None:
        """Send `result` (whose own req_id is left unset) as the answer to request `req_id`."""
        payload = rpc_result(req_id, result.SerializeToString())
        self._enqueue(result_frame(self._take_server_id(), payload))

    def send_update(self, update: bytes) -> None:
        """Send one serialized `Update` (serialized once by the caller, however many sockets get it)."""
        self._enqueue(update_frame(self._take_server_id(), update))

    def record_incoming(self, data: bytes) -> None:
        self.journal.record(self.conn_id, Direction.IN, data)
        if self.log_frames:
            frame_log.info("conn %d <- %s", self.conn_id, to_text(Direction.IN, data, redact=True))

    def _take_server_id(self) -> int:
        server_id = self._next_server_id
        self._next_server_id = (server_id + 1) % _UINT32_MODULO or 1
        return server_id

    def _enqueue(self, data: bytes) -> None:
        if self.close_record is not None:
            return
        try:
            self._queue.put_nowait(data)
        except asyncio.QueueFull:
            if self._closer is None:  # once per connection, however many frames keep coming
                log.warning("conn %d: send queue full (%d frames), closing", self.conn_id, self.policy.queue_frames)
            self.close_soon(CLOSE_POLICY_VIOLATION, "send queue overflow")
            return
        self.journal.record(self.conn_id, Direction.OUT, data)
        if self.log_frames:
            frame_log.info("conn %d -> %s", self.conn_id, to_text(Direction.OUT, data, redact=True))

    async def _write_loop(self) -> None:
        while True:
            batch = await self._next_batch()
            if self.ws.closed or not self.sink.writable:
                return  # closing: nothing may follow a close frame; the receive loop cleans up
            self.sink.write(batch)
            for _ in batch:
                self._queue.task_done()
            if not self.sink.paused:
                continue
            try:
                async with asyncio.timeout(self.policy.send_timeout_s):
                    await self.sink.drained()
            except TimeoutError:
                log.warning("conn %d: write stalled > %.1fs, closing", self.conn_id, self.policy.send_timeout_s)
                self.close_soon(CLOSE_POLICY_VIOLATION, "send timeout")
                return
            except ConnectionError:
                return  # the peer went away under us; the receive loop notices and cleans up

    async def _next_batch(self) -> list[bytes]:
        """Wait for one frame, then take whatever else is already queued (up to MAX_BATCH_BYTES)."""
        first = await self._queue.get()
        batch, size = [first], len(first)
        while size < MAX_BATCH_BYTES and not self._queue.empty():
            frame = self._queue.get_nowait()
            batch.append(frame)
            size += len(frame)
        return batch

    @property
    def backlogged(self) -> bool:
        """Over half of the send queue is waiting: stop reading this socket's requests for a moment."""
        return self._queue.qsize() > self.policy.queue_frames // 2

    async def wait_for_room(self) -> None:
        """Backpressure on this socket only: read no more of its requests while its own queue is half full.

        A client that pipelines requests without reading answers slows itself down instead of overflowing;
        if its queue does not drain within the send timeout, it is a client that stopped reading (1008).
        """
        if not self.backlogged or self.close_record is not None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), timeout=self.policy.send_timeout_s)
        except TimeoutError:
            self.close_soon(CLOSE_POLICY_VIOLATION, "send timeout")

    def close_soon(self, code: int, reason: str) -> None:
        """Start closing without waiting (callable from fan-out code that must not block)."""
        if self._closer is None:
            self._closer = asyncio.get_running_loop().create_task(self.close(code, reason))

    async def close(self, code: int, reason: str) -> None:
        """Close with `code`; a peer that does not read cannot receive a close frame, so abort after a bound."""
        if self.close_record is not None:
            await self.closed.wait()
            return
        self.close_record = CloseRecord(self.conn_id, code, reason)
        if self._writer is not None and self._writer is not asyncio.current_task():
            self._writer.cancel()
        try:
            closing = self.ws.close(code=code, message=reason.encode())
            await asyncio.wait_for(closing, timeout=self.policy.close_timeout_s)
        except asyncio.CancelledError:
            # aiohttp shares one drain waiter per socket: cancelling a stalled write cancels it for our close too.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            self._abort()
        except (TimeoutError, ConnectionError, RuntimeError):
            self._abort()
        finally:
            self.closed.set()

    def _abort(self) -> None:
        self.sink.abort()

    async def finish(self) -> None:
        """Called once the receive loop ended: stop the writer and mark the connection closed."""
        if self.close_record is None:
            code = self.ws.close_code if self.ws.close_code is not None else 1006
            self.close_record = CloseRecord(self.conn_id, code, "closed by peer")
        if self._writer is not None:
            self._writer.cancel()
            await asyncio.wait([self._writer])  # never raises: the writer's own outcome is inspected below
            if not self._writer.cancelled() and self._writer.exception() is not None:
                log.error("conn %d: writer failed", self.conn_id, exc_info=self._writer.exception())
        if self._closer is not None and self._closer is not asyncio.current_task():
            await self._closer
        self.closed.set()
