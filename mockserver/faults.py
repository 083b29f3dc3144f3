"""Fault injection for chosen RPCs (`POST /__admin/faults`): delay, drop, or close the socket with a code.

Faults let the suite check how a *client* (or the suite's own harness) copes with a server that is slow,
silent, or hangs up, without a second, deliberately broken server.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from osmiumwire import core_pb2

ANY_RPC = "*"
DEFAULT_CLOSE_CODE = 1011
RPC_MEMBERS = frozenset(field.name for field in core_pb2.ClientMessage.DESCRIPTOR.oneofs_by_name["message"].fields)
# Close codes a server may send (RFC 6455 §7.4.1 plus the registered and private ranges).
_SENDABLE_CLOSE_CODES = frozenset({1000, 1001, 1002, 1003, *range(1007, 1015)}) | frozenset(range(3000, 5000))


class FaultAction(Enum):
    """What happens to a matching request instead of (or before) normal handling."""

    DELAY = "delay"  # wait delay_ms, then handle it normally
    DROP = "drop"  # ignore it: not handled, never answered
    CLOSE = "close"  # close the socket with close_code, request not handled


class FaultError(ValueError):
    """A fault description that cannot be honoured; the message says which key is wrong."""


@dataclass
class Fault:
    """One armed fault; `remaining` None means it fires on every matching request until cleared."""

    rpc: str
    action: FaultAction
    delay_ms: int = 0
    close_code: int = DEFAULT_CLOSE_CODE
    remaining: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "rpc": self.rpc,
            "action": self.action.value,
            "delay_ms": self.delay_ms,
            "close_code": self.close_code,
            "times": self.remaining,
        }

    @classmethod
    def from_json(cls, body: object) -> Fault:
        if not isinstance(body, dict):
            raise FaultError("a fault is a JSON object with keys rpc, action[, delay_ms, close_code, times]")
        unknown = set(body) - {"rpc", "action", "delay_ms", "close_code", "times"}
        if unknown:
            raise FaultError(f"unknown fault key(s): {', '.join(sorted(unknown))}")
        rpc = body.get("rpc")
        if rpc != ANY_RPC and rpc not in RPC_MEMBERS:
            raise FaultError(f"'rpc' must be a ClientMessage member (e.g. 'chats_get_chats') or '*', got {rpc!r}")
        try:
            action = FaultAction(body.get("action"))
        except ValueError:
            raise FaultError(f"'action' must be one of delay, drop, close, got {body.get('action')!r}") from None
        delay_ms = _int_key(body, "delay_ms", 0, minimum=0)
        if action is FaultAction.DELAY and "delay_ms" not in body:
            raise FaultError("a delay fault needs 'delay_ms'")
        close_code = _int_key(body, "close_code", DEFAULT_CLOSE_CODE, minimum=1000)
        if close_code not in _SENDABLE_CLOSE_CODES:
            raise FaultError(f"'close_code' {close_code} cannot be sent by a server (1000-1003, 1007-1014, 3000-4999)")
        times = _int_key(body, "times", None, minimum=1) if body.get("times") is not None else None
        return cls(str(rpc), action, delay_ms=delay_ms, close_code=close_code, remaining=times)


def _int_key(body: dict[str, Any], key: str, default: int | None, *, minimum: int) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise FaultError(f"'{key}' must be an integer >= {minimum}, got {value!r}")
    return value


class FaultPlan:
    """The armed faults, first match wins; a fault with a count disarms itself when used up."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def armed(self) -> list[Fault]:
        return list(self._faults)

    def take(self, rpc: str) -> Fault | None:
        """The fault that applies to this request, consuming one use of it."""
        if not self._faults:
            return None
        for fault in self._faults:
            if fault.rpc in (rpc, ANY_RPC):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                return fault
        return None
