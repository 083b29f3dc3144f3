"""Make two servers' answers comparable: opaque values become names shared by both sides.

Snowflakes (every `fixed64`), invite codes and tokens differ between two correct servers, so each side
keeps an `AliasTable` that names them in the order they are first seen (`s1`, `s2`, ... `c1`, ...). Two
servers that behave alike see them in the same order and so produce the same names. Times that are not
inputs (`edited_at`) are reduced to "set".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

MENTION = re.compile(r"<@(\d+)>")
OPAQUE_STRINGS = frozenset({"code", "token"})
WALL_TIMES = frozenset({"edited_at"})


@dataclass(frozen=True)
class AliasOrigin:
    """Where an alias was first seen: a path into a result member or into one update member."""

    op_index: int
    where: str  # "result" or "update"
    device: str  # the device that saw it ("" for results: the calling device)
    update_index: int  # position among that device's updates of that op (-1 for results)
    path: str  # dotted path inside the result member / update member, e.g. "group.id"


@dataclass
class AliasTable:
    """One side's names for its opaque values."""

    by_value: dict[tuple[str, Any], str] = field(default_factory=dict)
    by_alias: dict[str, Any] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def bind(self, alias: str, kind: str, value: Any) -> None:
        self.by_value[(kind, value)] = alias
        self.by_alias[alias] = value

    def name(self, kind: str, value: Any) -> tuple[str, bool]:
        """The alias of a value, and whether it is new."""
        known = self.by_value.get((kind, value))
        if known is not None:
            return known, False
        self.counters[kind] = self.counters.get(kind, 0) + 1
        alias = f"{kind}{self.counters[kind]}"
        self.bind(alias, kind, value)
        return alias, True

    def value(self, alias: str) -> Any:
        return self.by_alias[alias]


@dataclass
class Normalizer:
    """Walks protobuf messages into plain, comparable values, naming opaque values as it goes."""

    table: AliasTable
    new_aliases: dict[str, str] = field(default_factory=dict)  # alias -> path, for the current walk

    def walk(self, message: Message, path: str = "") -> dict[str, Any]:
        """Every field: defaults included, unset presence fields as None, only the set member of a oneof.

        Complete, so that a pattern made from it (export.py) also pins what must be empty or absent.
        """
        out: dict[str, Any] = {}
        for descriptor in message.DESCRIPTOR.fields:
            here = f"{path}.{descriptor.name}" if path else descriptor.name
            oneof = descriptor.containing_oneof
            if descriptor.is_repeated:
                value = getattr(message, descriptor.name)
                out[descriptor.name] = [self._value(descriptor, item, f"{here}.{i}") for i, item in enumerate(value)]
            elif descriptor.has_presence and not message.HasField(descriptor.name):
                if oneof is None or oneof.name == "_" + descriptor.name:
                    out[descriptor.name] = None
            else:
                out[descriptor.name] = self._value(descriptor, getattr(message, descriptor.name), here)
        return out

    def _value(self, descriptor: Any, value: Any, path: str) -> Any:
        if descriptor.type == FieldDescriptor.TYPE_MESSAGE:
            return self.walk(value, path)
        if descriptor.type == FieldDescriptor.TYPE_ENUM:
            enum_value = descriptor.enum_type.values_by_number.get(value) if descriptor.enum_type else None
            return enum_value.name if enum_value is not None else value
        if descriptor.type == FieldDescriptor.TYPE_FIXED64:
            return self._alias("s", value, path) if value else 0
        if descriptor.type == FieldDescriptor.TYPE_STRING and descriptor.name in OPAQUE_STRINGS:
            return self._alias("c" if descriptor.name == "code" else "t", value, path)
        if descriptor.type == FieldDescriptor.TYPE_STRING and descriptor.name == "message":
            return MENTION.sub(lambda m: f"<@${self.table.by_value.get(('s', int(m.group(1))), m.group(1))}>", value)
        if descriptor.name in WALL_TIMES:
            return "<time>"
        if descriptor.type == FieldDescriptor.TYPE_BYTES:
            return value.hex()
        return value

    def _alias(self, kind: str, value: Any, path: str) -> str:
        alias, new = self.table.name(kind, value)
        if new:
            self.new_aliases[alias] = path
        return "$" + alias
