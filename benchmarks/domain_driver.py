"""The mock's domain core driven directly (no socket, no event loop), to isolate the algorithms.

Data sets are built through the public service API (`ChatService.handle`), the same path a client takes,
so what is measured is what the server really stores. A virtual clock keeps ids dense and deterministic.
"""

from __future__ import annotations

from benchmarks import frames
from mockserver.clock import VirtualClock
from mockserver.domain.contract import Caller
from mockserver.domain.service import ChatService, ServiceOptions
from mockserver.snowflake import SnowflakeGenerator
from osmiumwire import core_pb2

CLOCK_START_MS = 1_767_225_600_000  # 2026-01-01T00:00:00Z


class DomainCallFailed(Exception):
    """A seeding or measured request was refused by the domain core."""


class DomainDriver:
    """One `ChatService` with a virtual clock; service (JOIN/LEAVE) messages off unless asked for."""

    def __init__(self, service_messages: bool = False) -> None:
        self.clock = VirtualClock(CLOCK_START_MS)
        self.service = ChatService(self.clock, SnowflakeGenerator(self.clock), ServiceOptions(service_messages))

    def call(self, caller: Caller, request: core_pb2.ClientMessage) -> core_pb2.RPCResult:
        """One request; raises DomainCallFailed on an RPCError (a benchmark must not time errors)."""
        result = self.service.handle(caller, request).result
        if result.WhichOneof("result") == "error":
            name = request.WhichOneof("message")
            raise DomainCallFailed(f"{name}: {result.error.error_code} {result.error.error_message}")
        return result

    def sign_up(self, name: str) -> Caller:
        outcome = self.service.handle(Caller(), frames.sign_up(1, name))
        if outcome.bind is None:
            raise DomainCallFailed(f"sign-up of {name!r} did not bind a session: {outcome.result}")
        return Caller(user_id=outcome.bind.user_id, session_id=outcome.bind.session_id)

    def create_groups(self, owner: Caller, count: int) -> list[int]:
        """`count` single-member groups owned by `owner`; their ids (= chat-list keys) in creation order."""
        return [self.call(owner, frames.create_group(1, f"g{index}", [])).group.id for index in range(count)]

    def post_many(self, author: Caller, chat_ref_request: core_pb2.ClientMessage, count: int) -> list[int]:
        """Send `count` copies of one SendMessage (short text); returns the new message ids in order."""
        handle = self.service.handle
        ids = []
        for _ in range(count):
            ids.append(handle(author, chat_ref_request).result.sent_message.message_id)
        if not ids or ids[-1] == 0:
            self.call(author, chat_ref_request)  # raises with the domain's own error
        return ids
