"""What the transport and the domain core say to each other.

The transport decodes a frame into a `ClientMessage`, tracks which user and session the socket is bound
to (`Caller`), and hands the request to `ChatService.handle`. The domain answers with an `Outcome`: the
RPC result (or error) for the caller, the updates to push (each already rendered for its recipient user,
with viewer-relative chat refs), and, after a successful sign-up / sign-in / authorize, the binding the
socket takes. The transport sends the result first, then the updates, to every subscribed socket of each
recipient user.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from osmiumwire import core_pb2, updates_pb2


class DomainError(Exception):
    """An RPC failure the client is told about as `RPCError{error_code, error_message}` (semantics.md §14)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code} {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Caller:
    """Who sent a request: the user and session the socket is bound to, or None before authorization."""

    user_id: int | None = None
    session_id: int | None = None


@dataclass(frozen=True)
class Binding:
    """The user and session a socket is bound to after a successful sign-up, sign-in or authorize."""

    user_id: int
    session_id: int


@dataclass(frozen=True)
class Delivery:
    """One update for every subscribed socket of one user (already viewer-relative for that user)."""

    user_id: int
    update: updates_pb2.Update


@dataclass
class Outcome:
    """The answer to one request: `result` has no `req_id` yet (the transport copies it in)."""

    result: core_pb2.RPCResult
    deliveries: list[Delivery] = field(default_factory=list)
    bind: Binding | None = None
