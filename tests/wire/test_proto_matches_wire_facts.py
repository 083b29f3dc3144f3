"""Our descriptors declare exactly the messages, fields and enums of docs/spec/wire-facts.md.

Each table row of wire-facts.md names a field, its number, its type and its label; the descriptor of the
same full name must carry the same, and nothing more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import Descriptor, FieldDescriptor

import osmiumwire.core_pb2
import osmiumwire.reactions_pb2  # noqa: F401

FACTS = (Path(__file__).resolve().parents[2] / "docs" / "spec" / "wire-facts.md").read_text()
POOL = descriptor_pool.Default()


@dataclass(frozen=True)
class FieldFact:
    name: str
    number: int
    type: str
    label: str


def _tables() -> tuple[dict[str, list[FieldFact]], dict[str, list[tuple[str, int]]], set[str]]:
    messages: dict[str, list[FieldFact]] = {}
    enums: dict[str, list[tuple[str, int]]] = {}
    files: set[str] = set()
    current: str | None = None
    kind = ""
    for line in FACTS.splitlines():
        heading = re.match(r"^### (osmium\.client\.\S+)(\s+\(file: (\w+)\.proto\))?", line)
        if heading:
            current = heading.group(1)
            kind = "message" if heading.group(2) else "enum"
            if kind == "message":
                messages[current] = []
                files.add(heading.group(3))
            else:
                enums[current] = []
            continue
        if line.startswith("## "):
            current = None
        if current is None or not line.startswith("| ") or line.startswith(("| field", "| value")):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if kind == "message":
            messages[current].append(FieldFact(cells[0], int(cells[1]), cells[2], cells[3]))
        else:
            enums[current].append((cells[0], int(cells[1])))
    return messages, enums, files


MESSAGES, ENUMS, FILES = _tables()
SCALARS = {
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_FIXED64: "fixed64",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_BOOL: "bool",
}
RESERVED = {"osmium.client.core.RPCResult": [12], "osmium.client.types.Conversation": [4],
            "osmium.client.types.UserStatus": [2]}


def _type_of(field: FieldDescriptor) -> str:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return field.message_type.full_name
    if field.type == FieldDescriptor.TYPE_ENUM:
        return "enum " + field.enum_type.full_name
    return SCALARS[field.type]


def _label_of(field: FieldDescriptor) -> str:
    oneof = field.containing_oneof
    if oneof is not None and oneof.fields == [field] and oneof.name == "_" + field.name:
        label = "optional"  # proto3 `optional`: a synthetic one-member oneof
    elif oneof is not None:
        label = f"oneof {oneof.name}"
    elif field.is_repeated:
        label = "repeated"
    else:
        label = ""
    if field.GetOptions().deprecated:
        label += " (deprecated)"
    return label


def test_counts() -> None:
    assert len(MESSAGES) == 104
    assert len(ENUMS) == 7
    assert {"core", "auth", "chats", "refs", "types", "updates", "messages", "users", "settings", "media",
                     "reactions"} == FILES


@pytest.mark.parametrize("full_name", sorted(MESSAGES))
def test_message_matches_facts(full_name: str) -> None:
    descriptor: Descriptor = POOL.FindMessageTypeByName(full_name)
    facts = MESSAGES[full_name]
    declared = {f.name: f for f in descriptor.fields}
    assert sorted(declared) == sorted(f.name for f in facts)
    for fact in facts:
        field = declared[fact.name]
        assert field.number == fact.number, fact
        assert _type_of(field) == fact.type, fact
        assert _label_of(field) == fact.label, fact


@pytest.mark.parametrize("full_name", sorted(ENUMS))
def test_enum_matches_facts(full_name: str) -> None:
    descriptor = POOL.FindEnumTypeByName(full_name)
    assert [(v.name, v.number) for v in descriptor.values] == ENUMS[full_name]


@pytest.mark.parametrize("full_name", sorted(RESERVED))
def test_reserved_numbers(full_name: str) -> None:
    from google.protobuf import descriptor_pb2

    proto = descriptor_pb2.DescriptorProto()
    POOL.FindMessageTypeByName(full_name).CopyToProto(proto)
    assert [(r.start, r.end) for r in proto.reserved_range] == [(n, n + 1) for n in RESERVED[full_name]]
    others = [name for name in MESSAGES if name not in RESERVED]
    for other in others:
        copy = descriptor_pb2.DescriptorProto()
        POOL.FindMessageTypeByName(other).CopyToProto(copy)
        assert not copy.reserved_range, other
