"""Unit tests of the pieces under the transport: frame classification, frame text, journal, fault plan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockserver.faults import Fault, FaultAction, FaultError, FaultPlan
from mockserver.frametext import Direction, to_text
from mockserver.journal import FrameJournal
from mockserver.transport.encoding import result_frame, rpc_result, update_frame, varint
from mockserver.transport.framing import Heartbeat, Malformed, OutOfScope, Request, classify, leading_req_id
from mockserver.transport.sink import frame_header
from osmiumwire import core_pb2, updates_pb2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", 0),
        (b"\x08", 0),
        (b"\x08\x05", 5),
        (b"\x08\xac\x02\xff", 300),
        (b"\x08\xff\xff\xff\xff\x0f", 0xFFFFFFFF),
        (b"\x08\xff\xff\xff\xff\x1f", 0xFFFFFFFF),  # wider than uint32: truncated like protobuf does
        (b"\x10\x05", 0),  # field 2 first: no id to read
        (b"\x08" + b"\xff" * 11, 0),  # runaway varint
    ],
)
def test_leading_req_id(data: bytes, expected: int) -> None:
    assert leading_req_id(data) == expected


def test_classify_each_kind() -> None:
    message = core_pb2.ClientMessage(id=3)
    message.chats_get_chats.SetInParent()
    request = classify(message.SerializeToString())
    assert isinstance(request, Request) and (request.req_id, request.member) == (3, "chats_get_chats")
    assert classify(b"\x08\x01") == Heartbeat(req_id=1)
    assert classify(b"") == Heartbeat(req_id=0)
    assert classify(b"\x08\x04\xa2\x06\x00") == OutOfScope(req_id=4)
    malformed = classify(b"\x08\x06\xff")
    assert isinstance(malformed, Malformed) and malformed.req_id == 6


def test_frame_text_masks_secrets_only_when_asked() -> None:
    message = core_pb2.ClientMessage(id=1)
    message.auth_authorize.token = "tok-123"
    data = message.SerializeToString()
    assert "tok-123" in to_text(Direction.IN, data)
    masked = to_text(Direction.IN, data, redact=True)
    assert "tok-123" not in masked and "<redacted>" in masked
    answer = core_pb2.ServerMessage(id=2)
    answer.result.authorization.token = "tok-456"
    assert "tok-456" not in to_text(Direction.OUT, answer.SerializeToString(), redact=True)
    assert to_text(Direction.IN, b"\xff\xff").startswith("<undecodable 2 bytes")


def test_journal_is_inert_when_off_and_bounded_when_on() -> None:
    journal = FrameJournal(limit=2)
    journal.record(1, Direction.IN, b"\x08\x01")
    assert journal.entries() == []
    journal.configure(enabled=True)
    for conn_id in (1, 2, 1):
        journal.record(conn_id, Direction.IN, b"\x08\x01")
    assert [entry.conn_id for entry in journal.entries()] == [2, 1]
    assert [entry.seq for entry in journal.entries(conn_id=1)] == [3]
    assert len(journal.entries(limit=1)) == 1
    journal.configure(enabled=True, limit=1)
    assert [entry.seq for entry in journal.entries()] == [3]


def test_fault_plan_first_match_and_counted_uses() -> None:
    plan = FaultPlan()
    plan.add(Fault.from_json({"rpc": "chats_get_chats", "action": "drop", "times": 2}))
    plan.add(Fault.from_json({"rpc": "*", "action": "delay", "delay_ms": 5}))
    taken = [plan.take("chats_get_chats"), plan.take("chats_get_chats")]
    assert [fault.action if fault else None for fault in taken] == [FaultAction.DROP, FaultAction.DROP]
    third = plan.take("chats_get_chats")
    assert third is not None and third.action is FaultAction.DELAY  # the counted one disarmed itself
    assert len(plan.armed()) == 1
    plan.clear()
    assert plan.take("chats_get_chats") is None


def test_fault_defaults_and_errors() -> None:
    fault = Fault.from_json({"rpc": "chats_get_chat", "action": "close"})
    assert (fault.close_code, fault.remaining) == (1011, None)
    with pytest.raises(FaultError, match="'rpc'"):
        Fault.from_json({"rpc": 5, "action": "drop"})
    with pytest.raises(FaultError, match="JSON object"):
        Fault.from_json(["drop"])


@given(
    server_id=st.integers(min_value=1, max_value=0xFFFFFFFF),
    req_id=st.integers(min_value=0, max_value=0xFFFFFFFF),
    code=st.integers(min_value=0, max_value=0xFFFFFFFF),
    text=st.text(max_size=300),
    trace=st.one_of(st.none(), st.text(max_size=20)),
)
def test_hand_framed_result_is_byte_identical_to_protobuf(
    server_id: int, req_id: int, code: int, text: str, trace: str | None
) -> None:
    rest = core_pb2.RPCResult()
    rest.error.error_code = code
    rest.error.error_message = text
    if trace is not None:
        rest.trace_id = trace
    expected = core_pb2.ServerMessage(id=server_id)
    expected.result.CopyFrom(rest)
    expected.result.req_id = req_id
    framed = result_frame(server_id, rpc_result(req_id, rest.SerializeToString()))
    assert framed == expected.SerializeToString()


@given(server_id=st.integers(min_value=1, max_value=0xFFFFFFFF), text=st.text(max_size=3000))
def test_hand_framed_update_is_byte_identical_to_protobuf(server_id: int, text: str) -> None:
    update = updates_pb2.Update()
    update.message_created.message.message = text
    expected = core_pb2.ServerMessage(id=server_id)
    expected.update.CopyFrom(update)
    assert update_frame(server_id, update.SerializeToString()) == expected.SerializeToString()


def test_empty_result_frame_matches_the_spec_example() -> None:
    # semantics.md §4.3: the empty result for req 7 is `1a 02 08 07` inside a ServerMessage.
    assert result_frame(1, rpc_result(7, b"")) == b"\x08\x01\x1a\x02\x08\x07"


@pytest.mark.parametrize(
    ("length", "header"),
    [
        (0, b"\x82\x00"),
        (125, b"\x82\x7d"),
        (126, b"\x82\x7e\x00\x7e"),
        (65_535, b"\x82\x7e\xff\xff"),
        (65_536, b"\x82\x7f\x00\x00\x00\x00\x00\x01\x00\x00"),
    ],
)
def test_frame_header_lengths(length: int, header: bytes) -> None:
    assert frame_header(length) == header


@given(st.integers(min_value=0, max_value=(1 << 64) - 1))
def test_varint_matches_protobuf(value: int) -> None:
    expected = core_pb2.ServerMessage(id=value & 0xFFFFFFFF).SerializeToString()[1:] if value else b""
    if value and value <= 0xFFFFFFFF:
        assert varint(value) == expected
    decoded, shift = 0, 0
    for byte in varint(value):
        decoded |= (byte & 0x7F) << shift
        shift += 7
    assert decoded == value
