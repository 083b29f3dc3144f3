"""Property tests: expressions agree with Python arithmetic; a message matches the pattern made from itself."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from hypothesis import given
from hypothesis import strategies as st

from conformance.scenario.expressions import render
from conformance.scenario.patterns import match, message_slot
from osmiumwire import types_pb2

small = st.integers(min_value=-10_000, max_value=10_000)


@given(small, small, st.integers(min_value=1, max_value=1000), st.sampled_from(["+", "-", "*", "//", "%"]))
def test_arithmetic_agrees_with_python(a: int, b: int, c: int, op: str) -> None:
    scope = {"a": a, "b": b, "c": c}
    expected = {"+": a + b * c, "-": a - b * c, "*": a * b * c, "//": (a * b) // c, "%": (a * b) % c}[op]
    template = {
        "+": "${a + b * c}",
        "-": "${a - b * c}",
        "*": "${a * b * c}",
        "//": "${a * b // c}",
        "%": "${a * b % c}",
    }[op]
    assert render(template, scope.__getitem__) == expected


ids = st.integers(min_value=1, max_value=2**64 - 1)
groups = st.builds(
    types_pb2.Group,
    id=ids,
    name=st.text(max_size=20),
    owner=st.booleans(),
    participant_ids=st.lists(ids, max_size=5),
)


def as_pattern(group: types_pb2.Group) -> Any:
    data = json_format.MessageToDict(group, preserving_proto_field_name=True)
    data["id"] = group.id  # MessageToDict writes 64-bit ints as strings; patterns take numbers too
    data["participant_ids"] = list(group.participant_ids)
    return data


@given(groups)
def test_a_message_matches_its_own_pattern(group: types_pb2.Group) -> None:
    assert match(as_pattern(group), message_slot(group)) == []


@given(groups, st.sampled_from(["id", "name", "owner", "participant_ids"]))
def test_changing_a_named_field_breaks_the_match(group: types_pb2.Group, field: str) -> None:
    pattern = as_pattern(group)
    changed = {
        "id": group.id % (2**64 - 1) + 1,
        "name": group.name + "x",
        "owner": not group.owner,
        "participant_ids": [*group.participant_ids, 1],
    }[field]
    pattern[field] = changed
    assert match(pattern, message_slot(group)) != []
