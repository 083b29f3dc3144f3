"""A decoded log of every frame of a scenario, on every socket, for failure reports.

Raw bytes are kept for frames that do not decode, so a garbage-sending target is shown as it is.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from google.protobuf import text_format
from google.protobuf.message import DecodeError

from osmiumwire import core_pb2

MAX_FRAME_TEXT = 600


@dataclass(frozen=True)
class TraceEntry:
    at_ms: float
    device: str
    direction: str  # "->" client to server, "<-" server to client, "--" socket event
    text: str


def describe_client_frame(data: bytes) -> str:
    try:
        message = core_pb2.ClientMessage.FromString(data)
    except DecodeError:
        return f"undecodable {len(data)} bytes: {_hex(data)}"
    member = message.WhichOneof("message")
    if member is None:
        return f"#{message.id} (no member: heartbeat)"
    body = text_format.MessageToString(getattr(message, member), as_one_line=True)
    return _clip(f"#{message.id} {member} {{{body}}}")


def describe_server_message(message: core_pb2.ServerMessage) -> str:
    kind = message.WhichOneof("message")
    if kind == "result":
        result = message.result
        member = result.WhichOneof("result")
        if member is None:
            return f"result req_id={result.req_id} (empty)"
        body = text_format.MessageToString(getattr(result, member), as_one_line=True)
        return _clip(f"result req_id={result.req_id} {member} {{{body}}}")
    if kind == "update":
        update_member = message.update.WhichOneof("update")
        if update_member is None:
            return "update (no member)"
        body = text_format.MessageToString(getattr(message.update, update_member), as_one_line=True)
        return _clip(f"update {update_member} {{{body}}}")
    return f"server message id={message.id} with neither result nor update"


def _hex(data: bytes) -> str:
    shown = data[:48].hex(" ")
    return shown + (" ..." if len(data) > 48 else "")


def _clip(text: str) -> str:
    return text if len(text) <= MAX_FRAME_TEXT else text[:MAX_FRAME_TEXT] + " ..."


@dataclass
class FrameTrace:
    """Every frame and socket event of one scenario, in arrival order."""

    started: float = field(default_factory=time.monotonic)
    entries: list[TraceEntry] = field(default_factory=list)

    def add(self, device: str, direction: str, text: str) -> None:
        self.entries.append(TraceEntry((time.monotonic() - self.started) * 1000, device, direction, text))

    def sent(self, device: str, data: bytes) -> None:
        self.add(device, "->", describe_client_frame(data))

    def sent_text(self, device: str, text: str) -> None:
        self.add(device, "->", f"text frame {text[:80]!r}")

    def received(self, device: str, message: core_pb2.ServerMessage) -> None:
        self.add(device, "<-", describe_server_message(message))

    def received_garbage(self, device: str, description: str) -> None:
        self.add(device, "<-", description)

    def event(self, device: str, text: str) -> None:
        self.add(device, "--", text)

    def render(self, head: int = 30, tail: int = 150) -> str:
        """The trace as text; a very long one keeps its beginning (setup) and its end (where it failed)."""
        if not self.entries:
            return "(no frames)"
        width = max(len(e.device) for e in self.entries)
        lines = [f"{e.at_ms:8.1f}ms {e.device:<{width}} {e.direction} {e.text}" for e in self.entries]
        if len(lines) > head + tail:
            omitted = len(lines) - head - tail
            lines = [*lines[:head], f"... {omitted} frames omitted ...", *lines[-tail:]]
        return "\n".join(lines)
