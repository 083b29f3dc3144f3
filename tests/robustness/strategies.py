"""Hypothesis strategies for frames, built from the osmiumwire descriptors (so a new field is fuzzed for free).

`client_message(member)` draws a `ClientMessage` carrying that oneof member with random values in every
field, recursively (bounded depth, short repeated fields and strings: the point is shape, not volume).
`mutate` turns a valid frame into a damaged one (flip, truncate, insert, delete, duplicate); `aim` points
random ids at entities that exist, so that requests get past "unknown id" into the code behind it.
"""

from __future__ import annotations

import functools
import random
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor, OneofDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

from osmiumwire import core_pb2

MAX_DEPTH = 4
MAX_REPEATED = 3
MAX_TEXT = 24

F = FieldDescriptor
_INTEGER_RANGES: dict[int, tuple[int, int]] = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1),
    F.TYPE_SINT32: (-(2**31), 2**31 - 1),
    F.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1),
    F.TYPE_FIXED32: (0, 2**32 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1),
    F.TYPE_SINT64: (-(2**63), 2**63 - 1),
    F.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1),
    F.TYPE_FIXED64: (0, 2**64 - 1),
}

CLIENT_MEMBERS: list[str] = [field.name for field in core_pb2.ClientMessage.DESCRIPTOR.oneofs_by_name["message"].fields]


def _is_real_oneof(oneof: OneofDescriptor) -> bool:
    """proto3 `optional` fields sit in a synthetic one-field oneof named `_<field>`; those are not choices."""
    return not (len(oneof.fields) == 1 and oneof.name == f"_{oneof.fields[0].name}")


def _integer(low: int, high: int) -> st.SearchStrategy[int]:
    # Edges and small values find more bugs than uniformly huge ones.
    return st.one_of(st.sampled_from(sorted({low, high, 0, 1, max(low, -1)})), st.integers(low, high))


def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    if field.type in _INTEGER_RANGES:
        return _integer(*_INTEGER_RANGES[field.type])
    if field.type == F.TYPE_BOOL:
        return st.booleans()
    if field.type == F.TYPE_STRING:
        return st.text(max_size=MAX_TEXT)
    if field.type == F.TYPE_BYTES:
        return st.binary(max_size=MAX_TEXT)
    if field.type in (F.TYPE_FLOAT, F.TYPE_DOUBLE):
        return st.floats(allow_nan=True, width=32 if field.type == F.TYPE_FLOAT else 64)
    if field.type == F.TYPE_ENUM and field.enum_type is not None:
        declared = [value.number for value in field.enum_type.values]
        return st.one_of(st.sampled_from(declared), _integer(-(2**31), 2**31 - 1))  # proto3 enums are open
    raise AssertionError(f"no strategy for field type {field.type} ({field.full_name})")


def _field_values(field: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    one = message_of(field.message_type, depth + 1) if field.type == F.TYPE_MESSAGE else _scalar(field)
    if field.is_repeated:
        return st.lists(one, max_size=MAX_REPEATED if depth < MAX_DEPTH else 0)
    return one


@functools.cache
def message_of(descriptor: Descriptor, depth: int = 0) -> st.SearchStrategy[Message]:
    """A message of this type with each field set or not, each real oneof holding at most one member."""
    cls = GetMessageClass(descriptor)
    if depth > MAX_DEPTH:
        return st.just(cls())
    plain = [f for f in descriptor.fields if f.containing_oneof is None or not _is_real_oneof(f.containing_oneof)]
    choices = [oneof for oneof in descriptor.oneofs if _is_real_oneof(oneof)]
    parts: dict[str, st.SearchStrategy[Any]] = {
        field.name: st.one_of(st.none(), _field_values(field, depth)) for field in plain
    }
    for oneof in choices:
        members = [st.tuples(st.just(field.name), _field_values(field, depth)) for field in oneof.fields]
        parts[f"oneof {oneof.name}"] = st.one_of(st.none(), *members)

    def build(values: dict[str, Any]) -> Message:
        message = cls()
        for key, value in values.items():
            if value is None:
                continue
            name, value = value if key.startswith("oneof ") else (key, value)
            _assign(message, descriptor.fields_by_name[name], value)
        return message

    return st.fixed_dictionaries(parts).map(build)


def _assign(message: Message, field: FieldDescriptor, value: Any) -> None:
    if field.is_repeated:
        container = getattr(message, field.name)
        if field.type == F.TYPE_MESSAGE:
            for item in value:
                container.add().CopyFrom(item)
        else:
            container.extend(value)
    elif field.type == F.TYPE_MESSAGE:
        getattr(message, field.name).CopyFrom(value)
    else:
        setattr(message, field.name, value)


def client_message(member: str) -> st.SearchStrategy[core_pb2.ClientMessage]:
    """A ClientMessage carrying `member` with random field values (its `id` is set by the sender)."""
    field = core_pb2.ClientMessage.DESCRIPTOR.fields_by_name[member]

    def wrap(body: Message) -> core_pb2.ClientMessage:
        message = core_pb2.ClientMessage()
        getattr(message, member).CopyFrom(body)
        return message

    return message_of(field.message_type).map(wrap)


def every_member() -> st.SearchStrategy[list[core_pb2.ClientMessage]]:
    """One ClientMessage for each oneof member of ClientMessage, in declaration order."""
    return st.tuples(*(client_message(member) for member in CLIENT_MEMBERS)).map(list)


def mutate(frame: bytes, rng: random.Random) -> bytes:
    """One to three random edits of `frame`: flip a byte, truncate, insert, delete or duplicate a slice."""
    data = bytearray(frame)
    for _ in range(rng.randint(1, 3)):
        edit = rng.randrange(5)
        at = rng.randrange(len(data) + 1)
        if edit == 0 and data:
            data[min(at, len(data) - 1)] ^= 1 << rng.randrange(8)
        elif edit == 1:
            del data[at:]
        elif edit == 2:
            data[at:at] = rng.randbytes(rng.randint(1, 6))
        elif edit == 3:
            del data[at : at + rng.randint(1, 4)]
        else:
            data[at:at] = data[at : at + rng.randint(1, 8)]
    return bytes(data)


@dataclass(frozen=True)
class Known:
    """Ids and invite codes that exist on the server, so that fuzzed requests reach past the 404s."""

    ids: tuple[int, ...]
    codes: tuple[str, ...]


def aim(message: Message, known: Known, rng: random.Random, share: float = 0.5) -> None:
    """Replace about `share` of the 64-bit ids (and every invite `code`) in `message` with ones that exist."""
    for descriptor, value in message.ListFields():
        if descriptor.type == F.TYPE_MESSAGE:
            for item in value if descriptor.is_repeated else [value]:
                aim(item, known, rng, share)
        elif descriptor.type in (F.TYPE_FIXED64, F.TYPE_UINT64) and known.ids:
            if descriptor.is_repeated:
                value[:] = [rng.choice(known.ids) if rng.random() < share else v for v in value]
            elif rng.random() < share:
                setattr(message, descriptor.name, rng.choice(known.ids))
        elif descriptor.type == F.TYPE_STRING and descriptor.name == "code" and known.codes and rng.random() < share:
            setattr(message, descriptor.name, rng.choice(known.codes))
