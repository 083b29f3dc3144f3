"""What the spec says the server answers to one binary frame, given what the socket has established so far.

This is our own reading of semantics.md (§2 framing, §2.2 heartbeat, §3 lifecycle, §14 codes, §16.41 and
§16.50), written independently of the server's framing code so that the fuzzer checks the server against
the spec rather than against itself. It assumes the reference server's REF choice of handling one socket's
frames in order (one receive loop per connection), so answers are matched to frames in sequence.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from google.protobuf import unknown_fields
from google.protobuf.message import DecodeError

from osmiumwire import core_pb2

BAD_REQUEST, UNAUTHORIZED, INTERNAL, NOT_IMPLEMENTED = 400, 401, 500, 501
LIFECYCLE_AUTH = frozenset({"auth_sign_up", "auth_sign_in", "auth_authorize"})
ALLOWED_BEFORE_AUTH = LIFECYCLE_AUTH | {"auth_lookup_invite"}
# Successful answers that cannot have changed the server's state. Not in the list: `chat`, `messages` and
# `unread_mentions`, because reading a DM or SELF chat creates its record lazily (§8.2, §8.3, §10.2).
READ_ONLY_RESULTS = frozenset({"initialized", "chats", "invite_list", "invite_preview", "user_details", "profile"})


class Kind(enum.Enum):
    MALFORMED = "malformed"  # does not parse: 400, req_id 0 or the leading id
    HEARTBEAT = "heartbeat"  # empty oneof, no unknown fields: no answer at all
    OUT_OF_SCOPE = "out-of-scope"  # empty oneof with unknown fields: 400 / 401 / 501 by lifecycle
    REQUEST = "request"  # a declared member


@dataclass
class SocketState:
    """What the lifecycle has established on one socket (semantics.md §3)."""

    initialized: bool = False
    authorized: bool = False


@dataclass(frozen=True)
class Expectation:
    """The answer one frame must get: `None` codes mean "any answer except 500" (the RPC may succeed)."""

    kind: Kind
    req_ids: frozenset[int]
    error_code: int | None = None
    member: str = ""

    @property
    def answered(self) -> bool:
        return self.kind is not Kind.HEARTBEAT


def leading_id(data: bytes) -> int:
    """The `id` of a frame that starts with field 1 as a varint (how a client can still correlate a 400)."""
    if len(data) < 2 or data[0] != 0x08:
        return 0
    value = 0
    for shift, byte in enumerate(data[1:11]):
        value |= (byte & 0x7F) << (7 * shift)
        if byte < 0x80:
            return value & 0xFFFFFFFF
    return 0


def expect(data: bytes, state: SocketState) -> Expectation:
    """The spec's answer to `data` on a socket in `state` (the state is advanced by `observe`, not here)."""
    try:
        message = core_pb2.ClientMessage.FromString(data)
    except DecodeError:
        return Expectation(Kind.MALFORMED, frozenset({0, leading_id(data)}), BAD_REQUEST)
    member = message.WhichOneof("message")
    req = frozenset({message.id})
    if member is None:
        if len(unknown_fields.UnknownFieldSet(message)) == 0:
            return Expectation(Kind.HEARTBEAT, frozenset())
        code = NOT_IMPLEMENTED if state.authorized else UNAUTHORIZED if state.initialized else BAD_REQUEST
        return Expectation(Kind.OUT_OF_SCOPE, req, code)
    if member == "core_initialize":
        return Expectation(Kind.REQUEST, req, BAD_REQUEST if state.initialized else None, member)
    if not state.initialized:
        return Expectation(Kind.REQUEST, req, BAD_REQUEST, member)
    if not state.authorized and member not in ALLOWED_BEFORE_AUTH:
        return Expectation(Kind.REQUEST, req, UNAUTHORIZED, member)
    return Expectation(Kind.REQUEST, req, None, member)


def observe(expectation: Expectation, answer: core_pb2.RPCResult, state: SocketState) -> None:
    """Advance the socket's lifecycle from a request and the answer it got."""
    outcome = answer.WhichOneof("result")
    if expectation.member == "core_initialize" and outcome == "initialized":
        state.initialized = True
    if expectation.member in LIFECYCLE_AUTH and outcome == "authorization":
        state.authorized = True


def mismatch(expectation: Expectation, answer: core_pb2.RPCResult) -> str | None:
    """Why `answer` is not what the spec says for the frame, or None when it is."""
    outcome = answer.WhichOneof("result")
    if answer.req_id not in expectation.req_ids:
        return f"req_id {answer.req_id}, expected one of {sorted(expectation.req_ids)}"
    if outcome == "error" and answer.error.error_code == INTERNAL:
        return f"500 internal error: {answer.error.error_message}"
    wrong_code = outcome != "error" or answer.error.error_code != expectation.error_code
    if expectation.error_code is not None and wrong_code:
        got = f"error {answer.error.error_code}" if outcome == "error" else f"result {outcome}"
        return f"{got}, expected error {expectation.error_code}"
    return None


def may_have_changed_state(expectation: Expectation, answer: core_pb2.RPCResult) -> bool:
    """A successful RPC may change the server's state; an error or a read-only result must not."""
    outcome = answer.WhichOneof("result")
    if outcome == "error" or expectation.kind is not Kind.REQUEST:
        return False
    return outcome not in READ_ONLY_RESULTS
