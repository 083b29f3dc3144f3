"""The runner against a toy server: passing flows, and every way a target can misbehave.

Misbehaving targets are given a short step timeout; the tests check that the scenario ended with a clear
failure (never how long it took).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from conformance.grading import grade
from conformance.outcome import Level, Outcome
from tests.engine.runner_harness import run_yaml, scenario
from tests.engine.toy_server import Misbehaviour

CREATE = """\
      - send: chats_create_chat
        as: alice
        with: {name: "team ${unique}", users: [{user_id: "${bob.id}"}]}
        expect: {group: {owner: true, participant_ids: ["${alice.id}", "${bob.id}"]}}
        save: {team: group}
"""
RECEIVE = """\
      - receive:
          on: [bob@phone, bob@web]
          updates:
            - group: {group: {id: "${team.id}", owner: false}}
              $save: seen
"""


def test_conforming_target_passes(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(CREATE + RECEIVE))
    assert outcome.report.failures == [] and outcome.report.error is None
    runner = outcome.runner
    assert runner.values["team"].owner is True
    assert runner.values["seen"].group.id == runner.values["team"].id
    assert runner.actors["bob"].id != 0 and runner.actors["bob"].token
    assert "bob@web" in outcome.report.trace and "auth_authorize" in outcome.report.trace


def test_wrong_field_fails_with_yaml_expected_got_and_frames(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(CREATE + RECEIVE), Misbehaviour(owner_flag_wrong=True))
    [failure] = outcome.report.failures
    assert failure.level is Level.MUST
    assert "receive on bob@phone, bob@web" in failure.step and "case.yaml:" in failure.step
    assert "MISSING" in failure.message and "group.owner: expected false, got true" in failure.message
    assert "- receive:" in failure.message  # the step's YAML source
    assert "chats_create_chat" in outcome.report.trace


def test_target_that_never_answers_fails_the_step(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(CREATE), Misbehaviour(silent_on={"chats_create_chat"}), step_timeout=0.3)
    [failure] = outcome.report.failures
    assert "no answer for chats_create_chat within 0.3s" in failure.message


def test_target_that_closes_mid_scenario(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(CREATE), Misbehaviour(close_on={"chats_create_chat"}))
    [failure] = outcome.report.failures
    assert "socket was closed (code 1011)" in failure.message


def test_target_that_sends_garbage(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(CREATE), Misbehaviour(garbage_on={"chats_create_chat"}))
    [failure] = outcome.report.failures
    assert "undecodable frame of 3 bytes: ff ff ff" in failure.message


def test_target_that_answers_with_the_wrong_req_id(tmp_path: Path) -> None:
    outcome = run_yaml(
        tmp_path, scenario(CREATE), Misbehaviour(wrong_req_id_on={"chats_create_chat"}), step_timeout=0.3
    )
    [failure] = outcome.report.failures
    assert "req_id(s) nobody asked for: 1003" in failure.message


def test_setup_failure_is_a_must_failure(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(CREATE), Misbehaviour(silent_on={"auth_sign_up"}), step_timeout=0.3)
    [failure] = outcome.report.failures
    assert failure.step.startswith("setup of actor alice") and failure.level is Level.MUST


def test_unreachable_target(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(CREATE), url="ws://127.0.0.1:9/ws", control_api=False)
    assert outcome.report.unreachable and "cannot connect" in outcome.report.unreachable


def test_a_target_that_goes_away_mid_scenario_was_reached(tmp_path: Path) -> None:
    """A refusal after the target answered is the target failing (the plugin grades it FAIL, exit 1), not an
    unreachable address (exit 3): the report says the target was reached."""
    outcome = run_yaml(tmp_path, scenario(CREATE), Misbehaviour(refuse_after=1))
    assert outcome.report.unreachable and "503" in outcome.report.unreachable
    assert outcome.report.reached_target


def test_an_unreachable_target_was_not_reached(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(CREATE), url="ws://127.0.0.1:9/ws", control_api=False)
    assert not outcome.report.reached_target


NONE_TYPING = """\
      - expect_none: {on: [bob@phone, bob@web], updates: [chat_typing]}
"""


def test_expect_none_passes_when_nothing_matching_arrives(tmp_path: Path) -> None:
    # bob's inbox holds UpdateGroup (not consumed): only chat_typing is forbidden
    outcome = run_yaml(tmp_path, scenario(CREATE + NONE_TYPING))
    assert outcome.report.failures == []
    assert "chats_get_chats {limit: 1}" in outcome.report.trace  # the barrier


def test_expect_none_catches_an_update_that_arrived_before_the_barrier(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(CREATE + NONE_TYPING), Misbehaviour(stray_typing_on_create=True))
    [failure] = outcome.report.failures
    assert "checked after a round-trip barrier" in failure.message and "chat_typing" in failure.message


def test_expect_none_without_updates_means_no_update_at_all(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(CREATE + "      - expect_none: {on: bob@web}\n"))
    [failure] = outcome.report.failures
    assert "no update at all" in failure.message and "group" in failure.message


def test_receive_only_rejects_extra_updates(tmp_path: Path) -> None:
    steps = CREATE + RECEIVE.replace("              $save: seen\n", "          only: true\n")
    assert run_yaml(tmp_path, scenario(steps)).report.failures == []
    outcome = run_yaml(tmp_path, scenario(steps), Misbehaviour(stray_typing_on_create=True))
    [failure] = outcome.report.failures
    assert "only: no other update may arrive" in failure.message


def test_typing_updates_with_count(tmp_path: Path) -> None:
    steps = (
        CREATE
        + """\
      - repeat:
          times: 3
          index: i
          steps:
            - send: chats_set_typing
              as: alice
              with: {chat_ref: {group: {group_id: "${team.id}"}}, typing: true}
              expect: empty
      - receive:
          on: bob@web
          updates:
            - chat_typing: {user_id: "${alice.id}", typing: true}
              $count: 3
      - expect_none: {on: bob@web, updates: [chat_typing]}
"""
    )
    assert run_yaml(tmp_path, scenario(steps)).report.failures == []


def test_error_code_is_graded_at_reference_level(tmp_path: Path) -> None:
    steps = """\
      - send: auth_lookup_invite
        as: alice
        with: {code: "nope"}
        expect_error: {code: 404}
      - send: chats_get_chats
        as: alice
        expect: {chats: {}}
"""
    outcome = run_yaml(tmp_path, scenario(steps), Misbehaviour(error_code=410))
    [failure] = outcome.report.failures
    assert failure.level is Level.REFERENCE and "expected: error code 404" in failure.message
    assert "chats_get_chats" in outcome.report.trace  # a REFERENCE point does not stop a MUST scenario
    assert grade(outcome.report.failures, strict=False) is Outcome.NON_STRICT
    assert grade(outcome.report.failures, strict=True) is Outcome.FAIL


def test_clock_control_moves_the_targets_clock(tmp_path: Path) -> None:
    steps = """\
      - set: {t0: "${now_ms}"}
      - clock: {advance_ms: 60_000}
      - set: {t1: "${now_ms}"}
      - clock: {set_ms: "${t0 + 5}"}
      - set: {t2: "${now_ms}"}
"""
    outcome = run_yaml(tmp_path, scenario(steps))
    values = outcome.runner.values
    assert outcome.report.failures == [] and values["t0"] == 1_700_000_000_000
    assert values["t1"] == values["t0"] + 60_000 and values["t2"] == values["t0"] + 5
    assert outcome.server.now_ms == values["t0"] + 5


def test_real_time_target_waits_briefly_and_refuses_long_waits(tmp_path: Path) -> None:
    short = run_yaml(tmp_path, scenario("      - clock: {advance_ms: 1}\n"), control_api=False, time_mode="real",
                     capabilities=frozenset({"sign-up"}))  # fmt: skip
    assert short.report.failures == [] and short.report.unsupported is None
    long = run_yaml(tmp_path, scenario("      - clock: {advance_ms: 20_000}\n"), control_api=False, time_mode="real",
                    capabilities=frozenset({"sign-up"}))  # fmt: skip
    assert long.report.unsupported and "beyond 10000 ms" in long.report.unsupported


def test_no_clock_at_all_is_unsupported(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario("      - clock: {set_ms: 5}\n"), control_api=False, time_mode="unsupported",
                       capabilities=frozenset({"sign-up"}))  # fmt: skip
    assert outcome.report.unsupported and "no clock-control" in outcome.report.unsupported


def test_raw_frames(tmp_path: Path) -> None:
    steps = """\
      - send_raw: {as: alice, hex: "0a ff ff"}
        expect_error: {code: 400}
      - send_raw: {as: alice, hex: "0801"}
        expect_silence: true
      - send_raw: {as: alice, hex: "08 09 5a 02 08 01"}
        expect: {chats: {chats: {$len: 0}}}
      - send_raw: {as: alice, text: "hello"}
        expect_close: {code: 1003}
"""
    outcome = run_yaml(tmp_path, scenario(steps))
    assert outcome.report.failures == []
    assert "text frame 'hello'" in outcome.report.trace


def test_a_target_that_resets_mid_frame_still_meets_expect_close_and_the_scenario_goes_on(tmp_path: Path) -> None:
    """The toy resets the connection on a frame over 1 MiB, while the 8 MB frame is still being sent: the
    send fails and no close frame arrives. The socket did close, as the step expects; only the code
    (REFERENCE) is missing, and the scenario's later MUST steps still run."""
    steps = """\
      - send_raw: {as: alice, size: 8_000_000}
        expect_close: {code: 1009}
      - send: chats_get_chats
        as: bob
        expect: {chats: {chats: {$len: 0}}}
"""
    outcome = run_yaml(tmp_path, scenario(steps), Misbehaviour(reset_on_oversized=True))
    [failure] = outcome.report.failures
    assert failure.level is Level.REFERENCE
    assert "sending failed" in failure.message and "got: close code 1006" in failure.message
    assert "lingering close" in failure.message
    assert grade(outcome.report.failures, strict=False) is Outcome.NON_STRICT
    assert "chats_get_chats" in outcome.report.trace  # the step after the refused frame ran


def test_username_actors_are_seeded_and_authorize_every_device(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario("      - set: {x: 1}\n", actors="carol: {username: true, devices: [a, b]}"))
    assert outcome.report.failures == []
    carol = outcome.runner.actors["carol"]
    assert carol.username.startswith("carol_") and carol.id > 0
    assert all(c.authenticated for c in carol.connections.values())


def test_include_concurrently_and_unknown_names(tmp_path: Path) -> None:
    steps = """\
      - include: group-of-three
        with: {owner: alice, members: [bob, carol], save_as: trio}
      - concurrently:
          - send: chats_get_chats
            as: bob
          - send: chats_get_chats
            as: carol
      - receive: {on: carol, updates: [{group: {group: {id: "${trio.id}", participant_ids: {$len: 3}}}}]}
"""
    outcome = run_yaml(tmp_path, scenario(steps, actors="alice: {}\n      bob: {}\n      carol: {}"))
    assert outcome.report.failures == [] and outcome.report.error is None
    assert "owner" not in outcome.runner.values  # fixture parameters do not leak
    # used before it is saved: passes the (flow-insensitive) collection check, fails when it runs
    broken = run_yaml(tmp_path, scenario('      - set: {x: "${later}"}\n      - set: {later: 1}\n', actors="team: {}"))
    assert broken.report.error and "unknown name 'later'" in broken.report.error


def test_within_bounds_the_wait_for_an_update(tmp_path: Path) -> None:
    steps = CREATE + "      - receive: {on: bob@web, updates: [{chat_typing: {}}], within: 0.2}\n"
    [failure] = run_yaml(tmp_path, scenario(steps)).report.failures
    assert "expected on bob@web within 0.2s" in failure.message and "MISSING {chat_typing: {}}" in failure.message


def test_actors_from_profile_tokens_authorize_every_device(tmp_path: Path) -> None:
    from conformance.runner.runner import RunSettings, ScenarioRunner
    from conformance.scenario.parse import FixtureLibrary, load_case_file
    from tests.engine.runner_harness import ALL_CAPABILITIES, REPO_FIXTURES
    from tests.engine.toy_server import ToyServer

    path = tmp_path / "case.yaml"
    path.write_text(scenario(CREATE + RECEIVE))
    [case] = load_case_file(path, "case.yaml", FixtureLibrary(REPO_FIXTURES), "area")

    async def go() -> tuple[list[str], dict[str, int]]:
        server = ToyServer()
        url = await server.start()
        known = [server.new_user(name) for name in ("Pre A", "Pre B")]
        settings = RunSettings(
            url, None, ALL_CAPABILITIES - {"sign-up"}, "unsupported", 2.0, tuple(u.token for u in known)
        )
        runner = ScenarioRunner(case, settings, "u-test")
        report = await runner.run()
        await server.stop()
        return [f.message for f in report.failures], {name: a.id for name, a in runner.actors.items()}

    failures, ids = asyncio.run(go())
    assert failures == []
    assert ids == {"alice": 1_000_001, "bob": 1_000_002}  # the pre-provisioned users, in token order


def test_lowered_step_failure_continues_and_keeps_its_save(tmp_path: Path) -> None:
    steps = """\
      - send: chats_create_chat
        as: alice
        with: {name: "team ${unique}", users: [{user_id: "${bob.id}"}]}
        expect: {group: {owner: false}}
        save: {team: group}
        level: SHOULD
      - receive:
          on: bob@web
          updates: [{group: {group: {id: "${team.id}"}}}]
"""
    outcome = run_yaml(tmp_path, scenario(steps))
    [failure] = outcome.report.failures
    assert failure.level is Level.SHOULD and outcome.report.error is None
    assert grade(outcome.report.failures, strict=False) is Outcome.NON_STRICT


def test_lowered_step_that_cannot_save_stops_without_a_case_error(tmp_path: Path) -> None:
    steps = """\
      - send: auth_lookup_invite
        as: alice
        with: {code: "nope"}
        expect: {invite_preview: {}}
        save: {preview: invite_preview}
        level: REFERENCE
      - set: {x: "${preview.code}"}
"""
    outcome = run_yaml(tmp_path, scenario(steps))
    [failure] = outcome.report.failures
    assert failure.level is Level.REFERENCE and outcome.report.error is None


def test_a_flood_of_updates_keeps_the_failure_short(tmp_path: Path) -> None:
    steps = CREATE + "      - receive: {on: bob@web, updates: [{chat_typing: {typing: true}}], within: 0.5}\n"
    outcome = run_yaml(tmp_path, scenario(steps), Misbehaviour(flood_on_create=2_000))
    [failure] = outcome.report.failures
    assert "... and 1981 more" in failure.message  # 2,000 typing updates and the UpdateGroup, 20 listed
    assert failure.message.count("\n") < 60
    assert "frames omitted" in outcome.report.trace


ASSUMED_LOOKUP = """\
      - send: auth_lookup_invite
        as: alice
        with: {code: "only-on-servers-that-chose-so"}
        expect: {invite_preview: {}}
        save: {preview: invite_preview}
        assumes: invites.some-ref-choice
      - send: chats_get_chats
        as: alice
        expect: {chats: {}}
"""


def test_a_refused_step_that_assumes_a_ref_choice_makes_the_scenario_unsupported(tmp_path: Path) -> None:
    outcome = run_yaml(tmp_path, scenario(ASSUMED_LOOKUP))
    unsupported = outcome.report.unsupported or ""
    assert "step 1 (send auth_lookup_invite as alice) at case.yaml:" in unsupported
    assert "was refused (error 404)" in unsupported and "assumes REF choice invites.some-ref-choice" in unsupported
    assert outcome.report.failures == [] and outcome.report.error is None
    assert "chats_get_chats" not in outcome.report.trace  # the scenario stopped there


def test_the_same_refusal_without_assumes_is_a_failure(tmp_path: Path) -> None:
    steps = "".join(line for line in ASSUMED_LOOKUP.splitlines(keepends=True) if "assumes:" not in line)
    outcome = run_yaml(tmp_path, scenario(steps))
    [failure] = outcome.report.failures
    assert failure.level is Level.MUST and outcome.report.unsupported is None
