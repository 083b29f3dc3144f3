"""`${...}` expressions: saved values, actors, `now_ms`, `unique`, repeat indexes, integer arithmetic.

A string that is exactly one `${...}` keeps the value's type (a number stays a number, a saved protobuf
message stays a message); otherwise each value is formatted into the string. The grammar is small on
purpose: names, attribute and index access (`page.messages.0`, `x[i]`), integer literals with `_`,
quoted strings, parentheses, `+ - * // %`, and three functions: `len(x)`, `str(x)`, `int(x)` (e.g. the
length of a mention's text, `${3 + len(str(bob.id))}`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

_TEMPLATE = re.compile(r"\$\{([^}]*)\}")
_TOKEN = re.compile(
    r"\s*(?:(?P<int>\d[\d_]*)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<str>\"[^\"]*\"|'[^']*')"
    r"|(?P<op>//|[-+*%().\[\]]))"
)


class ExpressionError(Exception):
    """A malformed expression, or a name or attribute that does not exist when it is evaluated."""


class UnknownName(ExpressionError):
    """A name that is neither saved, an actor, nor a built-in; carries the names that do exist."""

    def __init__(self, name: str, known: list[str]) -> None:
        self.name = name
        self.known = known
        super().__init__(f"unknown name {name!r}")


@dataclass(frozen=True)
class Literal:
    value: int | str


@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Access:
    target: Node
    key: Node | str


@dataclass(frozen=True)
class BinaryOp:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Negate:
    operand: Node


@dataclass(frozen=True)
class Call:
    function: str
    argument: Node


FUNCTIONS = ("len", "str", "int")

Node = Literal | Name | Access | BinaryOp | Negate | Call


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        position = 0
        stripped = text.rstrip()
        while position < len(stripped):
            match = _TOKEN.match(stripped, position)
            if not match or match.end() == position:
                raise ExpressionError(f"cannot read {stripped[position:]!r} in ${{{text}}}")
            kind = match.lastgroup or "op"
            self.tokens.append((kind, match.group(kind)))
            position = match.end()
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise ExpressionError(f"unexpected end of ${{{self.text}}}")
        self.index += 1
        return token

    def expect_op(self, op: str) -> None:
        kind, value = self.take()
        if kind != "op" or value != op:
            raise ExpressionError(f"expected {op!r}, found {value!r} in ${{{self.text}}}")

    def parse(self) -> Node:
        if not self.tokens:
            raise ExpressionError("empty ${}")
        node = self.sum()
        if self.peek() is not None:
            raise ExpressionError(f"unexpected {self.peek()[1]!r} in ${{{self.text}}}")  # type: ignore[index]
        return node

    def sum(self) -> Node:
        node = self.product()
        while (token := self.peek()) and token[0] == "op" and token[1] in "+-":
            self.take()
            node = BinaryOp(token[1], node, self.product())
        return node

    def product(self) -> Node:
        node = self.unary()
        while (token := self.peek()) and token[0] == "op" and token[1] in ("*", "//", "%"):
            self.take()
            node = BinaryOp(token[1], node, self.unary())
        return node

    def unary(self) -> Node:
        token = self.peek()
        if token == ("op", "-"):
            self.take()
            return Negate(self.unary())
        return self.postfix()

    def postfix(self) -> Node:
        node = self.primary()
        while (token := self.peek()) and token[0] == "op" and token[1] in ".[":
            self.take()
            if token[1] == ".":
                kind, value = self.take()
                if kind == "name":
                    node = Access(node, value)
                elif kind == "int":
                    node = Access(node, Literal(int(value.replace("_", ""))))
                else:
                    raise ExpressionError(f"expected a field name after '.', found {value!r} in ${{{self.text}}}")
            else:
                key = self.sum()
                self.expect_op("]")
                node = Access(node, key)
        return node

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "int":
            return Literal(int(value.replace("_", "")))
        if kind == "str":
            return Literal(value[1:-1])
        if kind == "name":
            if self.peek() == ("op", "("):
                if value not in FUNCTIONS:
                    raise ExpressionError(
                        f"unknown function {value!r} in ${{{self.text}}} (known: {', '.join(FUNCTIONS)})"
                    )
                self.take()
                argument = self.sum()
                self.expect_op(")")
                return Call(value, argument)
            return Name(value)
        if value == "(":
            node = self.sum()
            self.expect_op(")")
            return node
        raise ExpressionError(f"unexpected {value!r} in ${{{self.text}}}")


def parse_expression(text: str) -> Node:
    """Parse the inside of one `${...}`."""
    return _Parser(text).parse()


def names_in(node: Node) -> set[str]:
    """The top-level names an expression reads (for static checks and for fetching `now_ms` lazily)."""
    if isinstance(node, Name):
        return {node.name}
    if isinstance(node, Access):
        return names_in(node.target) | (names_in(node.key) if not isinstance(node.key, str) else set())
    if isinstance(node, BinaryOp):
        return names_in(node.left) | names_in(node.right)
    if isinstance(node, Negate):
        return names_in(node.operand)
    if isinstance(node, Call):
        return names_in(node.argument)
    return set()


def template_expressions(text: str) -> list[str]:
    """The `${...}` bodies inside a string."""
    return _TEMPLATE.findall(text)


def check_templates(value: Any) -> list[str]:
    """Parse every `${...}` in a value tree; return the error messages (empty when all parse)."""
    problems: list[str] = []
    for text in _strings_in(value):
        for body in template_expressions(text):
            try:
                parse_expression(body)
            except ExpressionError as exc:
                problems.append(str(exc))
    return problems


def names_in_value(value: Any) -> set[str]:
    """Every top-level name read by the expressions inside a value tree."""
    names: set[str] = set()
    for text in _strings_in(value):
        for body in template_expressions(text):
            try:
                names |= names_in(parse_expression(body))
            except ExpressionError:
                continue
    return names


def _strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for key, item in value.items() for s in _strings_in(key) + _strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings_in(item)]
    return []


Lookup = Callable[[str], Any]


def evaluate(node: Node, lookup: Lookup) -> Any:
    """Evaluate a parsed expression; `lookup` resolves top-level names (raising UnknownName)."""
    if isinstance(node, Literal):
        return node.value
    if isinstance(node, Name):
        return lookup(node.name)
    if isinstance(node, Negate):
        return -_integer(evaluate(node.operand, lookup), "-")
    if isinstance(node, Call):
        return _call(node.function, evaluate(node.argument, lookup))
    if isinstance(node, BinaryOp):
        left, right = evaluate(node.left, lookup), evaluate(node.right, lookup)
        if node.op == "+" and isinstance(left, str) and isinstance(right, str):
            return left + right
        a, b = _integer(left, node.op), _integer(right, node.op)
        if node.op in ("//", "%") and b == 0:
            raise ExpressionError("division by zero")
        operations: dict[str, Callable[[int, int], int]] = {
            "+": lambda x, y: x + y,
            "-": lambda x, y: x - y,
            "*": lambda x, y: x * y,
            "//": lambda x, y: x // y,
            "%": lambda x, y: x % y,
        }
        return operations[node.op](a, b)
    target = evaluate(node.target, lookup)
    key = node.key if isinstance(node.key, str) else evaluate(node.key, lookup)
    return access(target, key)


def _call(function: str, value: Any) -> Any:
    try:
        if function == "len":
            return len(value)
        if function == "str":
            return format_value(value)
        return int(value)
    except (TypeError, ValueError):
        raise ExpressionError(f"{function}() cannot take {describe(value)}") from None


def _integer(value: Any, op: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.isdigit():
            return int(value)
        raise ExpressionError(f"operator {op!r} needs integers, got {type(value).__name__} {value!r}")
    return value


def access(target: Any, key: Any) -> Any:
    """`target.key` / `target[key]` on saved values: protobuf messages, lists, mappings, actor handles."""
    if isinstance(key, int) and not isinstance(key, bool):
        try:
            return target[key]
        except (IndexError, KeyError, TypeError):
            raise ExpressionError(f"index {key} is out of range (or not indexable) in {describe(target)}") from None
    if isinstance(target, Message):
        names = [f.name for f in target.DESCRIPTOR.fields]
        if key not in names:
            raise ExpressionError(f"{target.DESCRIPTOR.name} has no field {key!r} (fields: {', '.join(names)})")
        return getattr(target, key)
    if isinstance(target, Mapping):
        if key not in target:
            raise ExpressionError(f"no key {key!r} (keys: {', '.join(map(str, target))})")
        return target[key]
    if isinstance(key, str) and not key.startswith("_") and hasattr(target, key):
        return getattr(target, key)
    raise ExpressionError(f"{describe(target)} has no attribute {key!r}")


def describe(value: Any) -> str:
    if isinstance(value, Message):
        return f"a {value.DESCRIPTOR.name} message"
    return f"{type(value).__name__} {value!r}"[:120]


def format_value(value: Any) -> str:
    """How a value reads inside a larger string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    formatter = getattr(value, "__format_in_string__", None)
    if callable(formatter):
        return str(formatter())
    return str(value)


def render(value: Any, lookup: Lookup) -> Any:
    """Substitute every `${...}` in a value tree (strings, mappings, lists)."""
    if isinstance(value, str):
        return render_string(value, lookup)
    if isinstance(value, Mapping):
        return {render_string(k, lookup) if isinstance(k, str) else k: render(v, lookup) for k, v in value.items()}
    if isinstance(value, list):
        return [render(item, lookup) for item in value]
    return value


def render_string(text: str, lookup: Lookup) -> Any:
    whole = _TEMPLATE.fullmatch(text)
    if whole:
        return evaluate(parse_expression(whole.group(1)), lookup)
    if "${" not in text:
        return text
    return _TEMPLATE.sub(lambda m: format_value(evaluate(parse_expression(m.group(1)), lookup)), text)
