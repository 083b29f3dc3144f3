"""Checks of case content against the protobuf descriptors, so a misspelled name never reaches the wire.

`with:` bodies are walked along the request message, `expect` patterns along the RPCResult member,
update patterns along the Update member, `save` paths along the result. Each problem names file:line,
what was found, what exists there, and a "did you mean".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from conformance.errors import CaseError, Location, did_you_mean
from conformance.scenario.expressions import template_expressions
from conformance.scenario.loader import YDict, YList
from conformance.scenario.patterns import BARE_MATCHERS, COMPARISONS, OPERATORS
from osmiumwire import core_pb2, updates_pb2

CLIENT_MESSAGE = core_pb2.ClientMessage.DESCRIPTOR
RPC_RESULT = core_pb2.RPCResult.DESCRIPTOR
UPDATE = updates_pb2.Update.DESCRIPTOR

RPC_MEMBERS = {f.name: f for f in CLIENT_MESSAGE.oneofs_by_name["message"].fields}
RESULT_MEMBERS = {f.name: f for f in RPC_RESULT.oneofs_by_name["result"].fields if f.name != "error"}
UPDATE_MEMBERS = {f.name: f for f in UPDATE.oneofs_by_name["update"].fields}


def message_of(field: FieldDescriptor) -> Descriptor:
    """The message type of a message field (the stubs allow None; our callers only pass message fields)."""
    message = field.message_type
    assert message is not None, f"{field.full_name} is not a message field"
    return message


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and bool(template_expressions(value))


def where(container: Any, key: Any, fallback: Location) -> Location:
    if isinstance(container, (YDict, YList)):
        return container.location(key)
    return fallback


def check_member(name: Any, members: Mapping[str, Any], what: str, at: Location) -> list[CaseError]:
    if isinstance(name, str) and name in members:
        return []
    return [
        CaseError(
            at,
            f"unknown {what} {name!r}",
            expected=f"one of {len(members)} {what}s, e.g. " + ", ".join(sorted(members)[:6]),
            suggestion=did_you_mean(str(name), members),
        )
    ]


def check_body(body: Any, message: Descriptor, at: Location) -> list[CaseError]:
    """A request body (`with:`) against the request message: field names, nesting, enum names."""
    if is_expression(body):
        return []
    if not isinstance(body, Mapping):
        return [CaseError(at, f"found {body!r} where a {message.name} mapping belongs", expected="a mapping of fields")]
    problems: list[CaseError] = []
    for key, value in body.items():
        key_at = where(body, key, at)
        descriptor = message.fields_by_name.get(key)
        if descriptor is None:
            problems.append(_unknown_field(key, message, key_at))
            continue
        if descriptor.is_repeated and not is_expression(value):
            if not isinstance(value, list):
                problems.append(
                    CaseError(key_at, f"{message.name}.{key} is repeated: found {value!r}", expected="a list")
                )
                continue
            for index, item in enumerate(value):
                problems += _check_body_value(item, descriptor, where(value, index, key_at))
        else:
            problems += _check_body_value(value, descriptor, key_at)
    return problems


def _check_body_value(value: Any, descriptor: FieldDescriptor, at: Location) -> list[CaseError]:
    if is_expression(value):
        return []
    if descriptor.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE:
        return check_body(value, message_of(descriptor), at)
    if descriptor.cpp_type == FieldDescriptor.CPPTYPE_ENUM:
        return _check_enum(value, descriptor, at)
    if isinstance(value, (Mapping, list)):
        return [
            CaseError(at, f"{descriptor.name} is a scalar field: found a {type(value).__name__}", expected="a value")
        ]
    return []


def _check_enum(value: Any, descriptor: FieldDescriptor, at: Location) -> list[CaseError]:
    enum = descriptor.enum_type
    if enum is None:
        return []
    names = [v.name for v in enum.values]
    if isinstance(value, str) and value not in names and not value.startswith("$"):
        return [
            CaseError(
                at,
                f"{value!r} is not a value of enum {enum.name} ({descriptor.name})",
                expected="one of " + ", ".join(names),
                suggestion=did_you_mean(value, names),
            )
        ]
    return []


def _unknown_field(key: str, message: Descriptor, at: Location) -> CaseError:
    names = [f.name for f in message.fields]
    return CaseError(
        at,
        f"unknown field {key!r} in {message.full_name}",
        expected="one of " + (", ".join(names) or "(no fields)"),
        suggestion=did_you_mean(key, names),
    )


@dataclass(frozen=True)
class Position:
    """Where a pattern sits: in a message, in a repeated field (a list), or at a scalar."""

    message: Descriptor | None
    field: FieldDescriptor | None
    repeated: bool

    def element(self) -> Position:
        return Position(self.message, self.field, False)

    @staticmethod
    def of_message(message: Descriptor) -> Position:
        return Position(message, None, False)

    @staticmethod
    def of_field(field: FieldDescriptor) -> Position:
        message = field.message_type if field.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE else None
        return Position(message, field, field.is_repeated)


def check_pattern(pattern: Any, position: Position, at: Location) -> list[CaseError]:
    """A pattern against the descriptor of what it will be matched with."""
    if is_expression(pattern):
        return []
    if isinstance(pattern, str) and pattern.startswith("$"):
        if pattern in BARE_MATCHERS:
            return []
        return [
            CaseError(
                at,
                f"unknown matcher {pattern!r}",
                expected=", ".join(BARE_MATCHERS),
                suggestion=did_you_mean(pattern, BARE_MATCHERS),
            )
        ]
    if isinstance(pattern, list):
        if not position.repeated:
            return [
                CaseError(
                    at,
                    f"a list where {_position_label(position)} is not repeated",
                    expected="a single value or mapping",
                )
            ]
        return [
            e for i, item in enumerate(pattern) for e in check_pattern(item, position.element(), where(pattern, i, at))
        ]
    if isinstance(pattern, Mapping):
        return _check_mapping(pattern, position, at)
    if position.field is not None and position.field.cpp_type == FieldDescriptor.CPPTYPE_ENUM and not position.repeated:
        return _check_enum(pattern, position.field, at)
    if position.message is not None and not position.repeated:
        return [
            CaseError(
                at,
                f"{pattern!r} where {_position_label(position)} (a message) belongs",
                expected="a mapping of fields or a matcher",
            )
        ]
    return []


def _position_label(position: Position) -> str:
    if position.field is not None:
        return f"field {position.field.name!r}"
    return position.message.name if position.message else "the value"


def _check_mapping(pattern: Mapping[str, Any], position: Position, at: Location) -> list[CaseError]:
    problems: list[CaseError] = []
    known = (*OPERATORS, *BARE_MATCHERS)
    for key, argument in pattern.items():
        key_at = where(pattern, key, at)
        if not key.startswith("$"):
            continue
        if key in ("$save", "$count"):
            problems.append(
                CaseError(
                    key_at,
                    f"{key} inside a pattern",
                    expected=f"{key} next to the update member, at the level of the list item (- member: ...)",
                )
            )
        elif key not in known:
            problems.append(
                CaseError(
                    key_at, f"unknown matcher {key!r}", expected=", ".join(known), suggestion=did_you_mean(key, known)
                )
            )
        elif key in ("$contains", "$unordered"):
            if not position.repeated:
                problems.append(CaseError(key_at, f"{key} needs a repeated field, {_position_label(position)} is not"))
            elif not isinstance(argument, list):
                problems.append(CaseError(key_at, f"{key} takes a list of patterns", expected="[pattern, ...]"))
            else:
                for i, item in enumerate(argument):
                    problems += check_pattern(item, position.element(), where(argument, i, key_at))
        elif key == "$not":
            problems += check_pattern(argument, position, key_at)
        elif key == "$one_of":
            if not isinstance(argument, list):
                problems.append(CaseError(key_at, "$one_of takes a list of values", expected="[value, ...]"))
            else:
                for i, item in enumerate(argument):
                    problems += check_pattern(item, position, where(argument, i, key_at))
        elif key == "$sorted":
            problems += _check_sorted(argument, position, key_at)
        elif key in COMPARISONS and (
            isinstance(argument, bool) or not (is_expression(argument) or isinstance(argument, int))
        ):
            problems.append(
                CaseError(key_at, f"{key} compares numbers: found {argument!r}", expected="an integer or an expression")
            )
    fields = [k for k in pattern if not k.startswith("$")]
    if not fields:
        return problems
    if position.message is None or position.repeated:
        what = "a repeated field (use a list, $contains or $len)" if position.repeated else "a scalar"
        return [*problems, CaseError(at, f"field names {fields} given where {_position_label(position)} is {what}")]
    for key in fields:
        key_at = where(pattern, key, at)
        descriptor = position.message.fields_by_name.get(key)
        if descriptor is None:
            problems.append(_unknown_field(key, position.message, key_at))
        else:
            problems += check_pattern(pattern[key], Position.of_field(descriptor), key_at)
    return problems


def _check_sorted(argument: Any, position: Position, at: Location) -> list[CaseError]:
    if not position.repeated:
        return [CaseError(at, f"$sorted needs a repeated field, {_position_label(position)} is not")]
    spec = argument if isinstance(argument, Mapping) else {"order": argument}
    problems: list[CaseError] = []
    extra = [k for k in spec if k not in ("by", "order")]
    if extra:
        problems.append(
            CaseError(
                at,
                f"unknown key {extra[0]!r} in $sorted",
                expected="by, order",
                suggestion=did_you_mean(extra[0], ["by", "order"]),
            )
        )
    if spec.get("order", "asc") not in ("asc", "desc"):
        problems.append(CaseError(at, f"$sorted order {spec.get('order')!r}", expected="asc or desc"))
    by = spec.get("by")
    if by is not None:
        if position.message is None:
            problems.append(CaseError(at, "$sorted 'by' needs a repeated message field"))
        elif by not in position.message.fields_by_name:
            problems.append(_unknown_field(str(by), position.message, at))
    return problems


def check_save_path(path: Any, at: Location) -> list[CaseError]:
    """A `save:` path, which starts at the RPCResult member: `group`, `group.id`, `chats.chats.0`."""
    if not isinstance(path, str) or not path:
        return [CaseError(at, f"save path {path!r}", expected="a path like group.id")]
    parts = path.split(".")
    problems = check_member(parts[0], RESULT_MEMBERS, "RPCResult member", at)
    if problems:
        return problems
    return check_field_path(parts[1:], message_of(RESULT_MEMBERS[parts[0]]), at)


def check_field_path(parts: list[str], message: Descriptor | None, at: Location) -> list[CaseError]:
    repeated = False
    for part in parts:
        if repeated:
            if not part.isdigit():
                return [CaseError(at, f"{part!r} after a repeated field", expected="an index like 0")]
            repeated = False
            continue
        if message is None:
            return [CaseError(at, f"{part!r} after a scalar field")]
        descriptor = message.fields_by_name.get(part)
        if descriptor is None:
            return [_unknown_field(part, message, at)]
        repeated = descriptor.is_repeated
        message = descriptor.message_type if descriptor.cpp_type == FieldDescriptor.CPPTYPE_MESSAGE else None
    return []
