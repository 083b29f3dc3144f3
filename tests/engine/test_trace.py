"""The frame trace decodes what it can, shows raw bytes for what it cannot, and stays readable when long."""

from __future__ import annotations

from conformance.wire.trace import FrameTrace
from osmiumwire import chats_pb2, core_pb2


def test_decodes_requests_results_and_garbage() -> None:
    trace = FrameTrace()
    request = core_pb2.ClientMessage(id=7, chats_get_chats=chats_pb2.GetChats(limit=1))
    trace.sent("alice", request.SerializeToString())
    trace.sent("alice", b"\x08\x01")
    trace.received("alice", core_pb2.ServerMessage(result=core_pb2.RPCResult(req_id=7)))
    trace.received_garbage("alice", "undecodable frame of 2 bytes: ff ff")
    text = trace.render()
    assert "alice -> #7 chats_get_chats {limit: 1}" in text
    assert "#1 (no member: heartbeat)" in text
    assert "alice <- result req_id=7 (empty)" in text
    assert "ff ff" in text


def test_long_trace_keeps_beginning_and_end() -> None:
    trace = FrameTrace()
    for index in range(1000):
        trace.event("bob", f"event {index}")
    lines = trace.render(head=2, tail=3).splitlines()
    assert len(lines) == 6 and "995 frames omitted" in lines[2]
    assert lines[0].endswith("event 0") and lines[-1].endswith("event 999")
