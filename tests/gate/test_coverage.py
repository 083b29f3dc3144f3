"""In-scope members come from the descriptors; unknown names and unregistered requirements are gaps too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from conformance.coverage import (
    NOT_PRODUCED_UPDATES,
    Requirement,
    RequirementsError,
    load_requirements,
    measure,
    rpc_members,
    update_members,
)
from osmiumwire import core_pb2, updates_pb2


@dataclass(frozen=True)
class Case:
    id: str
    covers: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()


def test_members_are_the_descriptors_oneofs() -> None:
    assert set(rpc_members()) == {f.name for f in core_pb2.ClientMessage.DESCRIPTOR.oneofs_by_name["message"].fields}
    every_update = {f.name for f in updates_pb2.Update.DESCRIPTOR.oneofs_by_name["update"].fields}
    assert every_update >= NOT_PRODUCED_UPDATES  # a rename in the proto must show up here
    assert set(update_members()) == every_update - NOT_PRODUCED_UPDATES


def test_measure_counts_cases_per_member_and_requirement() -> None:
    requirement = Requirement("r.one", "MUST", "10.1", "PROTO", "text", "x.yaml")
    report = measure(
        [Case("a.b.c", ("chats_get_chats", "group", "chats_get_chatz"), ("r.one", "r.unregistered")),
         Case("a.b.d", ("user",))],
        [requirement],
    )
    assert report.rpcs["chats_get_chats"] == ["a.b.c"]
    assert report.updates["group"] == ["a.b.c"]
    assert report.requirements == {"r.one": ["a.b.c"]}
    assert report.unknown_covers == {"chats_get_chatz": ["a.b.c"]}
    assert report.unknown_requirements == {"r.unregistered": ["a.b.c"]}
    assert "chats_create_chat" in report.uncovered_rpcs
    assert not report.complete


def test_requirements_registry_must_be_well_formed(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("- {id: r.x, level: MUST, section: '1', tag: PROTO}\n")
    with pytest.raises(RequirementsError, match="needs the string keys id, level, section, tag, text"):
        load_requirements(tmp_path)
