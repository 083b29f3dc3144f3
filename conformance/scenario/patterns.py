"""Partial matching of protobuf values against case patterns (docs/writing-cases.md, "Patterns").

Matching walks the value with its field descriptor, so that presence is known (`$absent` means "not set
or default"), enums match by name or number and an unset proto3 scalar equals its default. A match
returns the list of mismatches (empty = match) so a failure can say exactly which field differed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from google.protobuf import text_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

BARE_MATCHERS = ("$any", "$absent", "$snowflake")
COMPARISONS = ("$gt", "$ge", "$lt", "$le")
OPERATORS = (*COMPARISONS, "$len", "$contains", "$unordered", "$sorted", "$one_of", "$not")
INTEGER_TYPES = {
    FieldDescriptor.CPPTYPE_INT32,
    FieldDescriptor.CPPTYPE_INT64,
    FieldDescriptor.CPPTYPE_UINT32,
    FieldDescriptor.CPPTYPE_UINT64,
}


@dataclass(frozen=True)
class Slot:
    """A value being matched, with what is known about it from its descriptor."""

    value: Any
    field: FieldDescriptor | None  # None: a whole message (a result or update member, or a saved message)
    repeated: bool  # the value is a whole repeated field
    present: bool

    @property
    def is_message(self) -> bool:
        return self.field is None or self.field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE

    @property
    def is_enum(self) -> bool:
        return self.field is not None and self.field.cpp_type == FieldDescriptor.CPPTYPE_ENUM

    def element(self, value: Any) -> Slot:
        return Slot(value, self.field, False, True)


@dataclass(frozen=True)
class Mismatch:
    path: str
    expected: str
    got: str

    def __str__(self) -> str:
        where = self.path or "(value)"
        return f"{where}: expected {self.expected}, got {self.got}"


def message_slot(message: Message) -> Slot:
    return Slot(message, None, False, True)


def field_slot(message: Message, name: str) -> Slot | None:
    """The slot of one field of a message, or None if the message has no such field."""
    found = message.DESCRIPTOR.fields_by_name.get(name)
    if found is None:
        return None
    descriptor = cast(FieldDescriptor, found)
    value = getattr(message, name)
    if descriptor.is_repeated:
        return Slot(value, descriptor, True, len(value) > 0)
    if descriptor.has_presence:
        return Slot(value, descriptor, False, message.HasField(name))
    return Slot(value, descriptor, False, value != descriptor.default_value)


MAX_SHOWN_ITEMS = 10
MAX_SHOWN_CHARS = 1_500


def _items(shown: list[str], total: int) -> str:
    more = f", ... {total - len(shown)} more" if total > len(shown) else ""
    return "[" + ", ".join(shown) + more + "]"


def show(value: Any, slot: Slot | None = None) -> str:
    """A short readable form of a value (protobuf text format for messages), bounded in length."""
    if isinstance(value, Message):
        text = text_format.MessageToString(value, as_one_line=True)
        if len(text) > MAX_SHOWN_CHARS:
            text = text[:MAX_SHOWN_CHARS] + " ..."
        return f"{value.DESCRIPTOR.name}{{{text}}}"
    if slot is not None and slot.repeated:
        return _items([show(item, slot.element(item)) for item in list(value)[:MAX_SHOWN_ITEMS]], len(value))
    if slot is not None and slot.is_enum and isinstance(value, int) and slot.field is not None and slot.field.enum_type:
        enum_value = slot.field.enum_type.values_by_number.get(value)
        return enum_value.name if enum_value else str(value)
    if isinstance(value, (list, tuple)) or type(value).__name__.startswith("Repeated"):
        return _items([show(item) for item in list(value)[:MAX_SHOWN_ITEMS]], len(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)


def show_pattern(pattern: Any) -> str:
    if isinstance(pattern, Mapping):
        return "{" + ", ".join(f"{k}: {show_pattern(v)}" for k, v in pattern.items()) + "}"
    if isinstance(pattern, list):
        return "[" + ", ".join(show_pattern(p) for p in pattern) + "]"
    return show(pattern)


def matches(pattern: Any, slot: Slot) -> bool:
    return not match(pattern, slot)


def match(pattern: Any, slot: Slot, path: str = "") -> list[Mismatch]:
    """Mismatches between a rendered pattern and a value; empty when the value matches."""
    if isinstance(pattern, str) and pattern in BARE_MATCHERS:
        return _bare(pattern, slot, path)
    if isinstance(pattern, Mapping):
        return _mapping(pattern, slot, path)
    if isinstance(pattern, list):
        return _list(pattern, slot, path)
    return _scalar(pattern, slot, path)


def _bare(name: str, slot: Slot, path: str) -> list[Mismatch]:
    if name == "$any":
        return []
    if name == "$absent":
        return [] if not slot.present else [Mismatch(path, "$absent (unset or default)", show(slot.value, slot))]
    value = slot.value
    if slot.repeated or slot.is_message or isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        return [Mismatch(path, "$snowflake (a non-zero 64-bit id)", show(value, slot))]
    if value >= 1 << 64:
        return [Mismatch(path, "$snowflake (a non-zero 64-bit id)", show(value, slot))]
    return []


def _mapping(pattern: Mapping[str, Any], slot: Slot, path: str) -> list[Mismatch]:
    problems: list[Mismatch] = []
    for key, expected in pattern.items():
        if key.startswith("$"):
            problems += _operator(key, expected, slot, path)
    fields = {k: v for k, v in pattern.items() if not k.startswith("$")}
    if not pattern and slot.is_message and not slot.repeated and not slot.present:
        return [Mismatch(path, "{} (set)", "not set")]
    if not fields:
        return problems
    if isinstance(slot.value, Message) and not slot.repeated:
        if not slot.present:
            return [*problems, Mismatch(path, show_pattern(fields), "not set")]
        for name, expected in fields.items():
            sub = field_slot(slot.value, name)
            sub_path = f"{path}.{name}" if path else name
            if sub is None:
                problems.append(
                    Mismatch(sub_path, show_pattern(expected), f"no such field in {slot.value.DESCRIPTOR.name}")
                )
            else:
                problems += match(expected, sub, sub_path)
        return problems
    return [*problems, Mismatch(path, show_pattern(fields), show(slot.value, slot))]


def _list(pattern: list[Any], slot: Slot, path: str) -> list[Mismatch]:
    if not slot.repeated:
        return [Mismatch(path, show_pattern(pattern), show(slot.value, slot))]
    values = list(slot.value)
    if len(values) != len(pattern):
        return [
            Mismatch(
                path, f"{len(pattern)} item(s) {show_pattern(pattern)}", f"{len(values)}: {show(slot.value, slot)}"
            )
        ]
    problems: list[Mismatch] = []
    for index, (expected, value) in enumerate(zip(pattern, values, strict=True)):
        problems += match(expected, slot.element(value), f"{path}.{index}" if path else str(index))
    return problems


def _scalar(pattern: Any, slot: Slot, path: str) -> list[Mismatch]:
    if equals(pattern, slot):
        return []
    return [Mismatch(path, show_pattern(pattern), show(slot.value, slot))]


def equals(pattern: Any, slot: Slot) -> bool:
    """Scalar equality with the field's type in mind (enum names, ids given as decimal strings, bytes)."""
    value = slot.value
    if slot.repeated:
        return isinstance(pattern, Message) is False and list(value) == pattern
    if isinstance(pattern, Message) or isinstance(value, Message):
        return bool(pattern == value)
    if slot.is_enum and isinstance(pattern, str) and slot.field is not None and slot.field.enum_type:
        enum_value = slot.field.enum_type.values_by_name.get(pattern)
        return enum_value is not None and enum_value.number == value
    if isinstance(value, bool) or isinstance(pattern, bool):
        return type(value) is type(pattern) and value == pattern
    if isinstance(value, int):
        if isinstance(pattern, str) and pattern.strip().lstrip("-").isdigit():
            return int(pattern) == value
        return isinstance(pattern, int) and pattern == value
    if isinstance(value, float):
        return isinstance(pattern, (int, float)) and abs(value - pattern) <= 1e-6 * max(1.0, abs(value))
    if isinstance(value, bytes):
        if isinstance(pattern, str):
            return value == pattern.encode("utf-8")
        return isinstance(pattern, bytes) and value == pattern
    if isinstance(value, str):
        return isinstance(pattern, (str, int)) and str(pattern) == value
    return bool(pattern == value)


def _operator(name: str, argument: Any, slot: Slot, path: str) -> list[Mismatch]:
    handler = _OPERATORS.get(name)
    if handler is None:
        if name in BARE_MATCHERS:
            return _bare(name, slot, path) if argument not in (False, None) else []
        return [Mismatch(path, f"a known matcher, not {name}", "-")]
    return handler(argument, slot, path)


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _comparison(op: str, test: Callable[[float, float], bool]) -> Callable[[Any, Slot, str], list[Mismatch]]:
    def check(argument: Any, slot: Slot, path: str) -> list[Mismatch]:
        got, bound = _number(slot.value), _number(argument)
        if got is None or bound is None or slot.repeated or not test(got, bound):
            return [Mismatch(path, f"{op} {show(argument)}", show(slot.value, slot))]
        return []

    return check


def _length(argument: Any, slot: Slot, path: str) -> list[Mismatch]:
    value = slot.value
    if not (slot.repeated or isinstance(value, (str, bytes))):
        return [Mismatch(path, f"$len {show_pattern(argument)} (a repeated field or string)", show(value, slot))]
    size = len(value)
    length_slot = Slot(size, None, False, True)
    if isinstance(argument, Mapping):
        inner = [m for key, arg in argument.items() for m in _operator(key, arg, length_slot, path)]
        return [Mismatch(path, f"length {show_pattern(argument)}", f"length {size}")] if inner else []
    if _number(argument) != size:
        return [Mismatch(path, f"length {show(argument)}", f"length {size}: {show(value, slot)}")]
    return []


def assign(patterns: Sequence[Any], candidates: Sequence[Slot]) -> list[int | None]:
    """A one-to-one assignment of patterns to distinct candidates (maximum bipartite matching).

    Returns, per pattern, the index of its candidate, or None for patterns that could not be given one.
    """
    return assign_fits([[matches(p, c) for c in candidates] for p in patterns])


def assign_fits(fits: Sequence[Sequence[bool]]) -> list[int | None]:
    """`assign` on a precomputed matrix: fits[pattern][candidate] says whether the candidate matches."""
    owner: dict[int, int] = {}

    def place(pattern_index: int, seen: set[int]) -> bool:
        for candidate_index, fit in enumerate(fits[pattern_index]):
            if fit and candidate_index not in seen:
                seen.add(candidate_index)
                if candidate_index not in owner or place(owner[candidate_index], seen):
                    owner[candidate_index] = pattern_index
                    return True
        return False

    for index in range(len(fits)):
        place(index, set())
    result: list[int | None] = [None] * len(fits)
    for candidate_index, pattern_index in owner.items():
        result[pattern_index] = candidate_index
    return result


def _contains(argument: Any, slot: Slot, path: str) -> list[Mismatch]:
    if not slot.repeated or not isinstance(argument, list):
        return [Mismatch(path, f"$contains {show_pattern(argument)} (a repeated field)", show(slot.value, slot))]
    elements = [slot.element(v) for v in slot.value]
    placed = assign(argument, elements)
    missing = [argument[i] for i, where in enumerate(placed) if where is None]
    if missing:
        return [Mismatch(path, f"items matching {show_pattern(missing)}", show(slot.value, slot))]
    return []


def _unordered(argument: Any, slot: Slot, path: str) -> list[Mismatch]:
    if slot.repeated and isinstance(argument, list) and len(argument) != len(slot.value):
        return [Mismatch(path, f"{len(argument)} item(s) in any order", f"{len(slot.value)}: {show(slot.value, slot)}")]
    return _contains(argument, slot, path)


def _sorted(argument: Any, slot: Slot, path: str) -> list[Mismatch]:
    if not slot.repeated:
        return [Mismatch(path, "a sorted repeated field", show(slot.value, slot))]
    spec = argument if isinstance(argument, Mapping) else {"order": argument}
    by, order = spec.get("by"), str(spec.get("order", "asc"))
    keys = [getattr(item, by) if by else item for item in slot.value]
    descending = order == "desc"
    ordered = all((a >= b) if descending else (a <= b) for a, b in itertools.pairwise(keys))
    if ordered:
        return []
    label = f"sorted {'descending' if descending else 'ascending'}" + (f" by {by}" if by else "")
    return [Mismatch(path, label, f"{by or 'values'} in order {keys}")]


def _one_of(argument: Any, slot: Slot, path: str) -> list[Mismatch]:
    options = argument if isinstance(argument, list) else [argument]
    if any(matches(option, slot) for option in options):
        return []
    return [Mismatch(path, f"one of {show_pattern(options)}", show(slot.value, slot))]


def _not(argument: Any, slot: Slot, path: str) -> list[Mismatch]:
    if matches(argument, slot):
        return [Mismatch(path, f"not {show_pattern(argument)}", show(slot.value, slot))]
    return []


_OPERATORS: dict[str, Callable[[Any, Slot, str], list[Mismatch]]] = {
    "$gt": _comparison("$gt", lambda a, b: a > b),
    "$ge": _comparison("$ge", lambda a, b: a >= b),
    "$lt": _comparison("$lt", lambda a, b: a < b),
    "$le": _comparison("$le", lambda a, b: a <= b),
    "$len": _length,
    "$contains": _contains,
    "$unordered": _unordered,
    "$sorted": _sorted,
    "$one_of": _one_of,
    "$not": _not,
}
