"""The expectations ratchet: regrading, problems, the updated list, and the text-preserving rewrite."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from conformance.expectations import (
    ExpectationsError,
    ExpectationsFile,
    find_problems,
    load_expectations,
    regrade,
    rewrite_text,
    update_command,
    updated_entries,
    write_updated,
)
from conformance.outcome import Outcome
from conformance.target import ExpectedFailure
from tests.gate.factories import make_result


@pytest.mark.parametrize(
    ("outcome", "listed", "strict", "expected"),
    [
        (Outcome.FAIL, True, False, Outcome.XFAIL),
        (Outcome.PASS, True, False, Outcome.XPASS),
        (Outcome.NON_STRICT, True, False, Outcome.XPASS),
        (Outcome.NON_STRICT, True, True, Outcome.XFAIL),
        (Outcome.ERROR, True, False, Outcome.ERROR),
        (Outcome.UNSUPPORTED, True, False, Outcome.UNSUPPORTED),
        (Outcome.FAIL, False, False, Outcome.FAIL),
        (Outcome.PASS, False, False, Outcome.PASS),
    ],
)
def test_regrade(outcome: Outcome, listed: bool, strict: bool, expected: Outcome) -> None:
    assert regrade(outcome, listed=listed, strict=strict) is expected


def test_problems_name_xpass_unknown_duplicate_and_unused_capability() -> None:
    expectations = ExpectationsFile(
        Path("targets/t.yaml"),
        (ExpectedFailure("a.b.c", "r"), ExpectedFailure("gone.case.id", "r"), ExpectedFailure("a.b.c", "again")),
    )
    results = [make_result("a.b.c", Outcome.XPASS), make_result("a.b.d", Outcome.XFAIL)]
    problems = find_problems(expectations, results, ["a.b.c", "a.b.d"], ["sign-up", "raw-frames"], ["sign-up"])
    assert problems.unexpected_passes == ("a.b.c",)
    assert problems.unknown_entries == ("gone.case.id",)
    assert problems.duplicate_entries == ("a.b.c",)
    assert problems.unused_capabilities == ("raw-frames",)
    assert len(problems.lines()) == 4


def test_no_problems_is_falsy() -> None:
    results = [make_result("a.b.c", Outcome.XFAIL)]
    expectations = ExpectationsFile(Path("t.yaml"), (ExpectedFailure("a.b.c", "r"),))
    assert not find_problems(expectations, results, ["a.b.c"], ["sign-up"], ["sign-up"])


def test_updated_entries_keep_reasons_drop_passes_and_unknowns_add_new_failures() -> None:
    current = [
        ExpectedFailure("a.still.fails", "known bug", "https://x.invalid/1"),
        ExpectedFailure("a.now.passes", "was broken"),
        ExpectedFailure("a.not.run", "deselected"),
        ExpectedFailure("a.unknown.id", "renamed case"),
    ]
    results = [
        make_result("a.still.fails", Outcome.XFAIL),
        make_result("a.now.passes", Outcome.XPASS),
        make_result("a.new.failure", Outcome.FAIL, message="expected owner: true\ngot owner: false"),
        make_result("a.passes", Outcome.PASS),
    ]
    known = ["a.still.fails", "a.now.passes", "a.not.run", "a.new.failure", "a.passes"]
    assert updated_entries(current, results, known, strict=False) == [
        ExpectedFailure("a.new.failure", "fails: expected owner: true"),
        ExpectedFailure("a.not.run", "deselected"),
        ExpectedFailure("a.still.fails", "known bug", "https://x.invalid/1"),
    ]


def test_update_command_names_the_profile() -> None:
    assert update_command("targets/x.yaml") == (
        "osmium-conformance run --target-file targets/x.yaml --update-expectations"
    )


PROFILE = """\
# my server
name: mine   # inline comment
url: ws://127.0.0.1:9000/
expected_failures:
  - id: a.old.one
    reason: old
  # a comment inside the list goes with it

# this comment introduces capabilities and stays
capabilities: [sign-up]
"""


def test_rewrite_replaces_only_the_block() -> None:
    new = rewrite_text(PROFILE, [ExpectedFailure("a.new.one", 'says "hi": #1', "https://x.invalid")])
    assert new.startswith("# my server\nname: mine   # inline comment\nurl: ws://127.0.0.1:9000/\n")
    assert "# this comment introduces capabilities and stays\ncapabilities: [sign-up]\n" in new
    assert "a.old.one" not in new
    data = yaml.safe_load(new)
    assert data["expected_failures"] == [{"id": "a.new.one", "reason": 'says "hi": #1', "link": "https://x.invalid"}]
    assert data["capabilities"] == ["sign-up"]


def test_rewrite_to_empty_and_append_when_missing() -> None:
    emptied = rewrite_text(PROFILE, [])
    assert yaml.safe_load(emptied)["expected_failures"] == []
    appended = rewrite_text("name: x\nurl: null", [ExpectedFailure("a.b.c", "r")])
    assert appended == 'name: x\nurl: null\nexpected_failures:\n  - id: "a.b.c"\n    reason: "r"\n'


def test_rewrite_handles_flow_style_and_unindented_lists() -> None:
    flow = rewrite_text("name: x\nexpected_failures: []\nurl: null\n", [ExpectedFailure("a.b.c", "r")])
    assert yaml.safe_load(flow) == {"name": "x", "url": None, "expected_failures": [{"id": "a.b.c", "reason": "r"}]}
    flat = rewrite_text("expected_failures:\n- id: a.b.c\n  reason: r\nname: x\n", [])
    assert yaml.safe_load(flat) == {"name": "x", "expected_failures": []}


def test_write_updated_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(PROFILE, encoding="utf-8")
    expectations = load_expectations(path)
    assert expectations.entries == (ExpectedFailure("a.old.one", "old"),)
    assert write_updated(expectations, [ExpectedFailure("a.old.one", "old")]) is True  # reformatted once
    assert write_updated(load_expectations(path), [ExpectedFailure("a.old.one", "old")]) is False


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("url: embedded\nexpected_failures: {a: 1}\n", r"bad.yaml:2: expected_failures must be a list"),
        ("url: embedded\nexpected_failures:\n  - reason: r\n", r"bad.yaml:3: an expected failure needs an `id`"),
        ("url: embedded\nexpected_failures:\n  - id: a.b.c\n", r"bad.yaml:3: expected failure 'a.b.c' has no `reason`"),
        ("url: embedded\nexpected_failures:\n  - {id: a.b.c, reson: r}\n", r"did you mean 'reason'"),
        ("- just\n- a list\n", "is a mapping"),
        ("name: [unclosed\n", "YAML syntax error"),
    ],
)
def test_bad_profiles_give_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ExpectationsError, match=message) as info:
        load_expectations(path)
    assert str(path) in str(info.value)


def test_undeclared_capabilities_are_not_claimed(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("url: embedded\n", encoding="utf-8")
    assert load_expectations(path).capabilities == ()
    path.write_text("url: embedded\ncapabilities: [sign-up]\n", encoding="utf-8")
    assert load_expectations(path).capabilities == ("sign-up",)
