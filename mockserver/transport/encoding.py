"""Byte-level framing of ServerMessages, so that one update fanned out to N sockets is serialized once.

`ServerMessage{id, result|update}` is `08 <id>` followed by the member as a length-delimited field; an
`RPCResult` is `08 <req_id>` followed by the rest of its fields. Protobuf serializes fields in number order
and omits zero scalars, so prefixing these by hand yields exactly the bytes `SerializeToString` would
(checked in tests/mockserver/test_framing_units.py).
"""

from __future__ import annotations

_ID_TAG = b"\x08"  # field 1, varint (ServerMessage.id and RPCResult.req_id alike)
_UPDATE_TAG = b"\x12"  # ServerMessage.update = 2, length-delimited
_RESULT_TAG = b"\x1a"  # ServerMessage.result = 3, length-delimited


_ONE_BYTE = [bytes((value,)) for value in range(0x80)]


def varint(value: int) -> bytes:
    if value < 0x80:  # most lengths and every early id: the hot path
        return _ONE_BYTE[value]
    if value < 0x4000:
        return bytes(((value & 0x7F) | 0x80, value >> 7))
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def rpc_result(req_id: int, rest: bytes) -> bytes:
    """An RPCResult from its req_id and the serialization of its other fields."""
    return _ID_TAG + varint(req_id) + rest if req_id else rest


def result_frame(server_id: int, result: bytes) -> bytes:
    return _ID_TAG + varint(server_id) + _RESULT_TAG + varint(len(result)) + result


def update_frame(server_id: int, update: bytes) -> bytes:
    return _ID_TAG + varint(server_id) + _UPDATE_TAG + varint(len(update)) + update
