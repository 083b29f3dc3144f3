"""A protobuf codec written by hand from docs/spec/wire-facts.md, sharing no code with `osmiumwire`.

Used to prove that a client built only from the published field numbers can drive the reference server:
if our generated code and the server agreed on a wrong number, this codec would disagree with both.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

VARINT, I64, LEN = 0, 1, 2


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def tag(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


def uint(number: int, value: int) -> bytes:
    return tag(number, VARINT) + varint(value) if value else b""


def fixed64(number: int, value: int) -> bytes:
    return tag(number, I64) + struct.pack("<Q", value)


def string(number: int, value: str) -> bytes:
    return blob(number, value.encode())


def blob(number: int, value: bytes) -> bytes:
    return tag(number, LEN) + varint(len(value)) + value


def message(number: int, *parts: bytes) -> bytes:
    """A nested message field; present even when empty (e.g. `RefSelf`)."""
    return blob(number, b"".join(parts))


@dataclass
class Decoded:
    """Fields of one message by number: varints and fixed64 as ints, LEN as bytes (decode nested on demand)."""

    fields: dict[int, list[Any]] = field(default_factory=dict)

    def first(self, number: int, default: Any = None) -> Any:
        values = self.fields.get(number)
        return values[0] if values else default

    def all(self, number: int) -> list[Any]:
        return self.fields.get(number, [])

    def sub(self, number: int) -> Decoded | None:
        raw = self.first(number)
        return decode(raw) if raw is not None else None

    def subs(self, number: int) -> list[Decoded]:
        return [decode(raw) for raw in self.all(number)]

    def text(self, number: int) -> str:
        raw = self.first(number, b"")
        return bytes(raw).decode()

    def packed_fixed64(self, number: int) -> list[int]:
        values: list[int] = []
        for raw in self.all(number):
            values += [v for (v,) in struct.iter_unpack("<Q", raw)]
        return values


def _read_varint(data: bytes, at: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = data[at]
        at += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, at
        shift += 7


def decode(data: bytes) -> Decoded:
    out = Decoded()
    at = 0
    while at < len(data):
        key, at = _read_varint(data, at)
        number, wire_type = key >> 3, key & 7
        value: Any
        if wire_type == VARINT:
            value, at = _read_varint(data, at)
        elif wire_type == I64:
            (value,) = struct.unpack_from("<Q", data, at)
            at += 8
        elif wire_type == LEN:
            length, at = _read_varint(data, at)
            value = bytes(data[at:at + length])
            at += length
        elif wire_type == 5:
            (value,) = struct.unpack_from("<I", data, at)
            at += 4
        else:
            raise ValueError(f"wire type {wire_type} at field {number}")
        out.fields.setdefault(number, []).append(value)
    return out
