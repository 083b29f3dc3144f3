"""`${...}` expressions: types are kept for whole-string expressions, arithmetic, access, errors."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conformance.scenario.expressions import (
    ExpressionError,
    UnknownName,
    check_templates,
    names_in_value,
    render,
)
from osmiumwire import types_pb2

SCOPE: dict[str, Any] = {
    "now_ms": 1_000,
    "i": 3,
    "team": types_pb2.Group(id=42, name="team", participant_ids=[7, 8]),
    "page": {"messages": [{"message_id": 11}, {"message_id": 12}]},
}


def lookup(name: str) -> Any:
    if name not in SCOPE:
        raise UnknownName(name, list(SCOPE))
    return SCOPE[name]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("${now_ms + 60_000}", 61_000),
        ("${i * 2 - 1}", 5),
        ("${(i + 1) // 2}", 2),
        ("${i % 2}", 1),
        ("${-i}", -3),
        ("${team.id}", 42),
        ("${team.participant_ids.1}", 8),
        ("${team.participant_ids[i - 3]}", 7),
        ("${page.messages.0.message_id}", 11),
        ("m${i}", "m3"),
        ("${team.name}-${i}", "team-3"),
        ("plain text", "plain text"),
        ("${'quoted'}", "quoted"),
        ("${3 + len(str(team.id))}", 5),
        ("${len(team.participant_ids)}", 2),
        ("${int('7') * 2}", 14),
    ],
)
def test_renders(template: str, expected: Any) -> None:
    assert render(template, lookup) == expected


def test_whole_expression_keeps_the_message() -> None:
    assert render("${team}", lookup) is SCOPE["team"]


def test_renders_inside_structures() -> None:
    assert render({"users": [{"user_id": "${team.id}"}], "n": "x${i}"}, lookup) == {
        "users": [{"user_id": 42}],
        "n": "x3",
    }


@pytest.mark.parametrize(
    ("template", "fragment"),
    [
        ("${nope}", "unknown name 'nope'"),
        ("${team.nmae}", "has no field 'nmae'"),
        ("${team.participant_ids.5}", "out of range"),
        ("${i // 0}", "division by zero"),
        ("${team.name * 2}", "needs integers"),
        ("${int(team.name)}", "int() cannot take"),
    ],
)
def test_evaluation_errors(template: str, fragment: str) -> None:
    with pytest.raises(ExpressionError, match=re.escape(fragment)):
        render(template, lookup)


@pytest.mark.parametrize("template", ["${}", "${i +}", "${(i}", "${i $ 2}", "${a.}", "${max(i)}", "${len(i}"])
def test_syntax_errors_are_found_without_evaluating(template: str) -> None:
    assert check_templates({"x": [template]})


def test_names_used() -> None:
    assert names_in_value({"a": "${now_ms + i}", "b": ["${team.id}"]}) == {"now_ms", "i", "team"}
