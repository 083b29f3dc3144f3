"""Case files: a valid one loads; each kind of mistake is reported with file:line, expectation and hint."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from conformance.errors import CaseError, CaseErrors
from conformance.outcome import Level
from conformance.scenario import model
from conformance.scenario.parse import FixtureLibrary, load_case_file

HEADER = """\
scenarios:
  - id: area.topic.point
    title: a title
    level: MUST
    spec: {section: "10.3", tag: DOC}
    covers: [chats_create_chat, group]
    requires: [clock-control]
    actors:
      alice: {}
      bob: {devices: [phone, web]}
    steps:
"""

VALID_STEPS = """\
      - send: chats_create_chat
        as: alice
        with: {name: "team ${unique}", users: [{user_id: "${bob.id}"}]}
        expect: {group: {owner: true, participant_ids: {$unordered: ["${alice.id}", "${bob.id}"]}}}
        save: {team: group, team_id: group.id}
      - receive:
          on: [bob@phone, bob@web]
          updates:
            - group: {group: {id: "${team.id}", owner: false}}
              $count: 1
              $save: seen
          only: true
          within: 2
      - expect_none: {on: alice, updates: [chat_typing, {message_created: {message: {message: "x"}}}]}
      - clock: {advance_ms: 60_000}
      - set: {cutoff: "${now_ms + 60_000}"}
      - repeat:
          times: 2
          index: i
          steps:
            - send: chats_set_typing
              as: alice
              with: {chat_ref: {group: {group_id: "${team.id}"}}, typing: true, action: UPLOAD_IMAGE}
              expect: empty
      - concurrently:
          - send: chats_get_chats
            as: bob@web
            with: {limit: 1}
          - send: auth_lookup_invite
            as: bob@phone
            with: {code: "nope"}
            expect_error: {code: 404}
      - include: pair
        with: {first: alice, second: bob, save_as: other}
      - send_raw: {as: alice, hex: "0a ff ff"}
        expect_error: any
      - send_raw: {as: alice, text: "hi"}
        expect_close: {code: 1003}
      - send_raw: {as: alice, hex: "0801"}
        expect_silence: true
"""

FIXTURE = """\
params: [first, second, save_as]
steps:
  - send: chats_create_chat
    as: "${first}"
    with: {name: "pair ${unique}", users: [{user_id: "${second.id}"}]}
    save: {"${save_as}": group}
"""


def write(tmp_path: Path, steps: str, header: str = HEADER) -> list[model.Scenario]:
    root = tmp_path / "cases"
    (root / "fixtures").mkdir(parents=True, exist_ok=True)
    (root / "fixtures" / "pair.yaml").write_text(FIXTURE)
    (root / "area").mkdir(exist_ok=True)
    path = root / "area" / "case.yaml"
    path.write_text(header + steps)
    return load_case_file(path, "cases/area/case.yaml", FixtureLibrary(root / "fixtures"), "area")


def test_valid_file_builds_the_model(tmp_path: Path) -> None:
    [scenario] = write(tmp_path, VALID_STEPS)
    assert scenario.id == "area.topic.point"
    assert scenario.level is Level.MUST
    assert scenario.area == "area"
    assert [a.device_labels for a in scenario.actors] == [("alice",), ("bob@phone", "bob@web")]
    assert scenario.requires == ("clock-control", "multi-device", "raw-frames")  # declared, then implied
    kinds = [type(s).__name__ for s in scenario.steps]
    assert kinds == [
        "SendStep", "ReceiveStep", "ExpectNoneStep", "ClockStep", "SetStep", "RepeatStep",
        "ConcurrentlyStep", "IncludeStep", "RawSendStep", "RawSendStep", "RawSendStep",
    ]  # fmt: skip
    send = scenario.steps[0]
    assert isinstance(send, model.SendStep) and send.source.line == 12 and send.source.end_line == 16
    include = scenario.steps[7]
    assert isinstance(include, model.IncludeStep) and include.fixture.params == ("first", "second", "save_as")


def step(text: str) -> str:
    return textwrap.indent(textwrap.dedent(text), "      ")


INVALID = [
    # (kind, steps or whole file, fragments expected in the message)
    ("yaml syntax", step("- send: [unclosed\n"), ["YAML syntax error", "case.yaml:"]),
    ("duplicate key", step("- send: chats_get_chats\n  as: alice\n  as: bob\n"), ["duplicate key 'as'", ":14"]),
    (
        "unknown step key",
        step("- send: chats_get_chats\n  as: alice\n  expcet: empty\n"),
        ["unknown key 'expcet'", "did you mean 'expect'", ":14"],
    ),
    ("missing key", step("- send: chats_get_chats\n"), ["missing key 'as'"]),
    ("not a step", step("- sned: chats_get_chats\n  as: alice\n"), ["is not a step", "did you mean 'send'"]),
    ("wrong type", step("- receive: {on: alice, updates: {group: {}}}\n"), ["found a mapping", "expected: a list"]),
    (
        "bad enum in step level",
        step("- send: chats_get_chats\n  as: alice\n  level: MAYBE\n"),
        ["'MAYBE' is not allowed", "MUST, SHOULD, REFERENCE"],
    ),
    (
        "unknown rpc",
        step("- send: chats_get_chat_list\n  as: alice\n"),
        ["unknown RPC", "chats_get_chat_list", "did you mean 'chats_get_chats'"],
    ),
    (
        "unknown field in with",
        step("- send: chats_create_chat\n  as: alice\n  with: {nmae: x}\n"),
        ["unknown field 'nmae' in osmium.client.chats.CreateChat", "did you mean 'name'", ":14"],
    ),
    (
        "unknown nested field in with",
        step("- send: chats_get_chat\n  as: alice\n  with: {chat_ref: {gruop: {group_id: 1}}}\n"),
        ["unknown field 'gruop' in osmium.client.refs.ChatRef", "did you mean 'group'"],
    ),
    (
        "unknown enum value",
        step("- send: chats_set_typing\n  as: alice\n  with: {action: TYPNG}\n"),
        ["'TYPNG' is not a value of enum TypingAction", "did you mean 'TYPING'"],
    ),
    (
        "unknown result member",
        step("- send: chats_create_chat\n  as: alice\n  expect: {gruop: {}}\n"),
        ["unknown RPCResult member 'gruop'", "did you mean 'group'"],
    ),
    (
        "unknown field in expect pattern",
        step("- send: chats_create_chat\n  as: alice\n  expect: {group: {ownr: true}}\n"),
        ["unknown field 'ownr' in osmium.client.types.Group", "did you mean 'owner'"],
    ),
    (
        "unknown update member",
        step("- receive: {on: bob, updates: [{gruop: {}}]}\n"),
        ["unknown Update member 'gruop'", "did you mean 'group'"],
    ),
    (
        "unknown field in update pattern",
        step("- receive: {on: bob, updates: [{group: {grop: {}}}]}\n"),
        ["unknown field 'grop' in osmium.client.updates.UpdateGroup", "did you mean 'group'"],
    ),
    (
        "unknown matcher",
        step("- send: chats_create_chat\n  as: alice\n  expect: {group: {id: $snowflak}}\n"),
        ["unknown matcher '$snowflak'", "did you mean '$snowflake'"],
    ),
    (
        "list for a scalar",
        step("- send: chats_create_chat\n  as: alice\n  expect: {group: {name: [a]}}\n"),
        ["is not repeated"],
    ),
    (
        "$save inside a pattern",
        step("- receive: {on: bob, updates: [{group: {$save: x}}]}\n"),
        ["$save inside a pattern"],
    ),
    (
        "unknown actor",
        step("- send: chats_get_chats\n  as: alcie\n"),
        ["unknown actor 'alcie'", "did you mean 'alice'"],
    ),
    (
        "unknown device",
        step("- receive: {on: bob@phnoe, updates: [{group: {}}]}\n"),
        ["actor 'bob' has no device 'phnoe'", "did you mean 'phone'"],
    ),
    (
        "bad save path",
        step("- send: chats_create_chat\n  as: alice\n  save: {x: group.nmae}\n"),
        ["unknown field 'nmae' in osmium.client.types.Group"],
    ),
    (
        "unknown name",
        step('- set: {x: "${tema.id}"}\n- send: chats_create_chat\n  as: alice\n  save: {team: group}\n'),
        ["unknown name 'tema'", "did you mean 'team'", ":12"],
    ),
    ("bad expression", step('- set: {x: "${now_ms +}"}\n'), ["unexpected end"]),
    (
        "expect and expect_error",
        step("- send: chats_get_chats\n  as: alice\n  expect: empty\n  expect_error: any\n"),
        ["either expect or expect_error"],
    ),
    ("unknown fixture", step("- include: piar\n"), ["no fixture 'piar'", "did you mean 'pair'"]),
    (
        "fixture parameter missing",
        step("- include: pair\n  with: {first: alice, save_as: x}\n"),
        ["needs parameter 'second'"],
    ),
    (
        "fixture parameter unknown",
        step("- include: pair\n  with: {first: alice, second: bob, save_as: x, thrid: 1}\n"),
        ["has no parameter 'thrid'"],
    ),
    (
        "level inside receive",
        step("- receive: {on: bob, updates: [{group: {}}], level: SHOULD}\n"),
        ["unknown key 'level'", "belongs to the step"],
    ),
    ("odd hex", step('- send_raw: {as: alice, hex: "0a f"}\n'), ["odd number of digits"]),
    (
        "assumes on a step that expects an error",
        step("- send: chats_get_chats\n  as: alice\n  expect_error: any\n  assumes: groups.create.empty-users\n"),
        ["assumes: marks a step that must succeed"],
    ),
    ("assumes inside send_raw", step('- send_raw: {as: alice, hex: "0a", assumes: x}\n'), ["unknown key 'assumes'"]),
]


@pytest.mark.parametrize(("steps", "fragments"), [c[1:] for c in INVALID], ids=[c[0] for c in INVALID])
def test_invalid_case_is_reported_with_location_and_hint(tmp_path: Path, steps: str, fragments: list[str]) -> None:
    with pytest.raises((CaseError, CaseErrors)) as caught:
        write(tmp_path, steps)
    message = str(caught.value)
    for fragment in fragments:
        assert fragment in message
    assert "cases/area/case.yaml:" in message
    assert "Traceback" not in message


def test_header_errors(tmp_path: Path) -> None:
    header = HEADER.replace("id: area.topic.point", "id: Area Topic").replace("tag: DOC", "tag: DOCS")
    header = header.replace("requires: [clock-control]", "requires: [clock-contrl]")
    with pytest.raises(CaseErrors) as caught:
        write(tmp_path, step("- send: chats_get_chats\n  as: alice\n"), header)
    message = str(caught.value)
    assert "does not have the expected form" in message and "dotted lowercase id" in message
    assert "'DOCS' is not allowed" in message and "did you mean 'DOC'" in message
    assert "did you mean 'clock-control'" in message


def test_clock_without_the_capability_is_a_case_error(tmp_path: Path) -> None:
    header = HEADER.replace("requires: [clock-control]", "requires: []")
    with pytest.raises(CaseErrors, match="moves the clock but does not require 'clock-control'"):
        write(tmp_path, step("- clock: {advance_ms: 1}\n"), header)


def test_username_needs_seed_users(tmp_path: Path) -> None:
    header = HEADER.replace("alice: {}", "alice: {username: true}")
    with pytest.raises(CaseErrors, match="does not require 'seed-users'"):
        write(tmp_path, step("- send: chats_get_chats\n  as: alice\n"), header)


def test_unknown_covers_member(tmp_path: Path) -> None:
    header = HEADER.replace("covers: [chats_create_chat, group]", "covers: [chats_create_chat, gruop]")
    with pytest.raises(CaseErrors, match="did you mean 'group'"):
        write(tmp_path, step("- send: chats_get_chats\n  as: alice\n"), header)


def test_on_is_a_string_key_not_a_yaml_boolean(tmp_path: Path) -> None:
    [scenario] = write(tmp_path, step("- expect_none: {on: alice}\n"))
    assert isinstance(scenario.steps[0], model.ExpectNoneStep) and scenario.steps[0].on == "alice"


def test_published_schemas_are_valid_draft_07() -> None:
    from jsonschema import Draft7Validator

    from conformance.scenario.schema import case_schema, fixture_schema

    Draft7Validator.check_schema(case_schema())
    Draft7Validator.check_schema(fixture_schema())


def test_comparison_takes_a_number(tmp_path: Path) -> None:
    with pytest.raises(CaseErrors, match=r"\$gt compares numbers"):
        write(tmp_path, step("- send: chats_create_chat\n  as: alice\n  expect: {group: {id: {$gt: true}}}\n"))
    [scenario] = write(
        tmp_path, step("- send: chats_create_chat\n  as: alice\n  expect: {group: {id: {$not: true}}}\n")
    )
    assert scenario.steps


def test_schema_lists_exactly_the_rpc_members_of_the_descriptors() -> None:
    from conformance.scenario.schema import case_schema
    from conformance.scenario.shape import RPC_MEMBERS

    assert sorted(case_schema()["definitions"]["rpc"]["enum"]) == sorted(RPC_MEMBERS)
