"""The pytest plugin end to end (pytester): collection, marks, case errors, outcomes, targets, xdist."""

from __future__ import annotations

import textwrap

import pytest

from mockserver.embedded import EmbeddedServer

pytest_plugins = ["pytester"]

CASE = """\
scenarios:
  - id: groups.toy.create
    title: the creator sees owner=true
    level: MUST
    spec: {section: "10.3", tag: DOC}
    actors: {alice: {}, bob: {}}
    steps:
      - send: chats_create_chat
        as: alice
        with: {name: "team ${unique}", users: [{user_id: "${bob.id}"}]}
        expect: {group: {owner: OWNER}}
  - id: groups.toy.order
    title: participants in join order
    level: REFERENCE
    spec: {section: "7.4", tag: REF}
    actors: {alice: {}}
    steps:
      - send: chats_create_chat
        as: alice
        with: {name: "solo ${unique}"}
        expect: {group: {participant_ids: ["${alice.id}"]}}
"""


def make_cases(pytester: pytest.Pytester, owner: str = "true", **extra: str) -> None:
    pytester.makefile(".yaml", **{"cases/groups/toy": CASE.replace("OWNER", owner)})
    for name, text in extra.items():
        pytester.makefile(".yaml", **{name: text})


def test_one_item_per_scenario_with_marks_and_ids(pytester: pytest.Pytester) -> None:
    make_cases(pytester)
    pytester.makefile(".yaml", **{"cases/fixtures/ignored": "not: a case", "cases/requirements/ignored": "x: 1"})
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(
        ["cases/groups/toy.yaml::MUST.groups.toy.create", "cases/groups/toy.yaml::REFERENCE.groups.toy.order"]
    )
    assert "ignored" not in result.stdout.str()
    by_level = pytester.runpytest("--collect-only", "-q", "-m", "reference")
    assert "groups.toy.order" in by_level.stdout.str() and "groups.toy.create" not in by_level.stdout.str()
    by_area = pytester.runpytest("--collect-only", "-q", "-m", "groups and must")
    assert "groups.toy.create" in by_area.stdout.str() and "groups.toy.order" not in by_area.stdout.str()
    by_id = pytester.runpytest("--collect-only", "-q", "-k", "toy.order")
    assert "groups.toy.order" in by_id.stdout.str() and "groups.toy.create" not in by_id.stdout.str()


def test_case_error_is_one_screen_without_traceback(pytester: pytest.Pytester) -> None:
    make_cases(pytester, **{"cases/groups/bad": CASE.replace("with: {name:", "with: {nmae:")})
    result = pytester.runpytest()
    output = result.stdout.str()
    assert "cases/groups/bad.yaml:10: unknown field 'nmae' in osmium.client.chats.CreateChat" in output
    assert "did you mean 'name'?" in output
    assert "Traceback" not in output and "conformance/scenario" not in output
    assert result.ret != 0


def test_runs_against_the_bundled_server(pytester: pytest.Pytester) -> None:
    make_cases(pytester)
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=2)
    assert result.ret == 0


def test_failure_shows_yaml_expected_got_and_frames(pytester: pytest.Pytester) -> None:
    make_cases(pytester, owner="false")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1, failed=1)
    output = result.stdout.str()
    assert "step 1 (send chats_create_chat as alice) at cases/groups/toy.yaml:8" in output
    assert "group.owner: expected false, got true" in output
    assert "    8 |       - send: chats_create_chat" in output
    assert "frames:" in output and "-> #3 chats_create_chat" in output
    assert "Traceback" not in output
    assert result.ret == 1


def test_plugin_does_nothing_without_cases(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: EmbeddedServer) -> str:
        raise AssertionError("the bundled server must not start when no case is collected")

    monkeypatch.setattr(EmbeddedServer, "start", refuse)
    pytester.makepyfile(test_plain="def test_ok():\n    assert True\n")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1)


def test_unreachable_target_ends_with_exit_code_3(pytester: pytest.Pytester) -> None:
    make_cases(pytester)
    result = pytester.runpytest("--target", "ws://127.0.0.1:9/ws")
    assert result.ret == 3
    assert "unreachable" in result.stdout.str()


def test_a_target_that_goes_away_mid_run_is_a_failure_not_unreachable(pytester: pytest.Pytester) -> None:
    """Exit 3 means "could not reach the target at all"; a target that answered and then refuses is failing."""
    from conformance.differential.pair import LoopThread
    from tests.engine.toy_server import Misbehaviour, ToyServer

    make_cases(pytester)
    loop = LoopThread()
    toy = ToyServer(Misbehaviour(refuse_after=2), control_api=False)  # the probe, then alice; bob is refused
    try:
        url = loop.run(toy.start(), 10)
        result = pytester.runpytest("--target", url, "-p", "no:randomly")
    finally:
        loop.run(toy.stop(), 10)
        loop.close()
    assert result.ret == 1, result.stdout.str()
    assert "the target answered earlier in this run" in result.stdout.str()


def test_explicit_target_and_unsupported_capability(pytester: pytest.Pytester) -> None:
    clock_case = textwrap.dedent("""\
        scenarios:
          - id: invites.toy.clock
            title: needs the clock
            level: MUST
            spec: {section: "10.12", tag: REF}
            requires: [clock-control]
            actors: {alice: {}}
            steps:
              - clock: {advance_ms: 1000}
        """)
    make_cases(pytester, **{"cases/invites/clock": clock_case})
    with EmbeddedServer(virtual_clock=True) as server:
        server.start()
        profile = f"name: no-clock\nurl: {server.url}\ncapabilities: [sign-up, multi-device]\ntime: unsupported\n"
        pytester.makefile(".yaml", **{"targets/no-clock": profile})
        result = pytester.runpytest("-rs", "--target-file", "targets/no-clock.yaml")
        result.assert_outcomes(passed=2, skipped=1)
        assert "unsupported: the target lacks clock-control" in result.stdout.str()
        probed = pytester.runpytest("-q", "--target", server.url)  # capabilities probed via /__admin
        probed.assert_outcomes(passed=3)


def test_strict_makes_non_strict_fail(pytester: pytest.Pytester) -> None:
    case = CASE.replace(
        'expect: {group: {participant_ids: ["${alice.id}"]}}', "expect: {group: {participant_ids: [1]}}"
    )
    pytester.makefile(".yaml", **{"cases/groups/toy": case.replace("OWNER", "true")})
    lenient = pytester.runpytest("-q")
    lenient.assert_outcomes(passed=2)
    strict = pytester.runpytest("-q", "--strict")
    strict.assert_outcomes(passed=1, failed=1)


def test_parallel_workers_share_nothing_but_the_code(pytester: pytest.Pytester) -> None:
    make_cases(pytester, **{"cases/dms/toy": CASE.replace("groups.toy", "dms.toy").replace("OWNER", "true")})
    result = pytester.runpytest_subprocess("-n", "2", "-q")
    result.assert_outcomes(passed=4)


def test_scenario_ids_are_unique_across_files(pytester: pytest.Pytester) -> None:
    make_cases(pytester, **{"cases/dms/copy": CASE.replace("OWNER", "true")})
    result = pytester.runpytest("--collect-only", "-q")
    output = result.stdout.str()
    assert "scenario id 'groups.toy.create' is already used at cases/" in output
    assert "Traceback" not in output
