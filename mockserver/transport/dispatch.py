"""What the server does with each frame: lifecycle checks (§3), faults, the domain call, result then updates.

`core_initialize` is answered here, not by the domain: it only shapes this socket (no_subscribe), and the
empty `Initialized` is a REF choice of the transport (§3). So is the order of a result and the updates its
request caused on the same socket (§16.19: result first); `updates_first` turns it around, for client
authors who want to see that their client copes with the other allowed order.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from mockserver.domain.contract import DomainError, Outcome
from mockserver.faults import Fault, FaultAction, FaultPlan
from mockserver.service_api import ChatServiceAPI
from mockserver.transport.connection import Connection
from mockserver.transport.framing import Malformed, OutOfScope, Request, classify
from mockserver.transport.registry import ConnectionRegistry
from osmiumwire import core_pb2

log = logging.getLogger("mockserver.transport")

BAD_REQUEST = 400
UNAUTHORIZED = 401
INTERNAL = 500
NOT_IMPLEMENTED = 501


def error_result(code: int, message: str) -> core_pb2.RPCResult:
    result = core_pb2.RPCResult()
    result.error.error_code = code
    result.error.error_message = message
    return result


class Dispatcher:
    """Turns frames from one socket into results on that socket and updates on the recipients' sockets."""

    def __init__(
        self, service: ChatServiceAPI, registry: ConnectionRegistry, faults: FaultPlan, *, updates_first: bool = False
    ) -> None:
        self.service = service
        self._registry = registry
        self._faults = faults
        self._updates_first = updates_first

    def on_frame(self, connection: Connection, data: bytes) -> Coroutine[Any, Any, None] | None:
        """Handle one frame now. Only an injected fault takes time (a delay, or a close handshake): then the
        rest of the work comes back as a coroutine, which the receive loop awaits before this socket's next
        frame. Every other frame is answered without a coroutine of its own (it is the hot path)."""
        frame = classify(data)
        if isinstance(frame, Request):
            fault = self._faults.take(frame.member)
            if fault is not None:
                return self._answer_with_fault(connection, frame, fault)
            self._answer(connection, frame)
        elif isinstance(frame, Malformed):
            log.info("conn %d: malformed frame (%s)", connection.conn_id, frame.reason)
            connection.send_result(frame.req_id, error_result(BAD_REQUEST, "malformed frame"))
        elif isinstance(frame, OutOfScope):
            connection.send_result(frame.req_id, self._out_of_scope(connection))
        return None  # a Heartbeat gets no answer at all

    def _out_of_scope(self, connection: Connection) -> core_pb2.RPCResult:
        if not connection.state.initialized:
            return error_result(BAD_REQUEST, "not initialized")
        if connection.state.binding is None:
            return error_result(UNAUTHORIZED, "not authorized")
        return error_result(NOT_IMPLEMENTED, "not implemented: RPC outside the chats scope")

    async def _answer_with_fault(self, connection: Connection, request: Request, fault: Fault) -> None:
        if fault.action is FaultAction.DROP:
            return
        if fault.action is FaultAction.CLOSE:
            await connection.close(fault.close_code, "fault injected")
            return
        await asyncio.sleep(fault.delay_ms / 1000)
        if connection.close_record is None:
            self._answer(connection, request)

    def _answer(self, connection: Connection, request: Request) -> None:
        if request.member == "core_initialize":
            connection.send_result(request.req_id, self._initialize(connection, request))
            return
        if not connection.state.initialized:
            connection.send_result(request.req_id, error_result(BAD_REQUEST, "not initialized"))
            return
        outcome, result = self._call_domain(connection, request)
        if not self._updates_first:
            connection.send_result(request.req_id, result)
        if outcome is not None:
            if outcome.bind is not None:
                self._registry.bind(connection, outcome.bind)
            for delivery in outcome.deliveries:
                self._registry.deliver(delivery)
        if self._updates_first:
            connection.send_result(request.req_id, result)

    def _initialize(self, connection: Connection, request: Request) -> core_pb2.RPCResult:
        if connection.state.initialized:
            return error_result(BAD_REQUEST, "already initialized")
        connection.state.initialized = True
        connection.state.no_subscribe = request.message.core_initialize.no_subscribe
        result = core_pb2.RPCResult()
        result.initialized.entrypoints.SetInParent()  # REF §3: an empty entrypoint list, no vapid key
        return result

    def _call_domain(self, connection: Connection, request: Request) -> tuple[Outcome | None, core_pb2.RPCResult]:
        """Ask the domain: its outcome (None when it raised) and the result to send for the request."""
        try:
            outcome = self.service.handle(connection.state.caller, request.message)
        except DomainError as error:
            return None, error_result(error.code, error.message)
        except Exception:
            log.exception("conn %d: domain failed on %s (req %d)", connection.conn_id, request.member, request.req_id)
            return None, error_result(INTERNAL, "internal error")
        result = outcome.result
        if result.req_id:  # the contract says the domain leaves it unset; never send it twice
            result = core_pb2.RPCResult()
            result.CopyFrom(outcome.result)
            result.ClearField("req_id")
        return outcome, result
