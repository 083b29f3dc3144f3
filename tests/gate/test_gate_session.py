"""The gate in real pytest sessions: exit codes, the ratchet, --update-expectations, reports, xdist."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
import yaml

from tests.gate.session import REPO_ROOT, run_session, write_cases

UPDATE_HINT = "osmium-conformance run --target-file {} --update-expectations"


def profile(directory: Path, *entries: dict[str, str], capabilities: tuple[str, ...] = ()) -> Path:
    path = directory / "target.yaml"
    lines = ["# my target, keep this comment", "name: t", "url: ws://127.0.0.1:9/",
             f"capabilities: {json.dumps(list(capabilities))}", "expected_failures:"]
    lines += [f"  - {{id: {e['id']}, reason: {json.dumps(e['reason'])}}}" for e in entries] or ["  []"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_all_pass_meets_the_gate(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.one"}, {"id": "a.b.two", "level": "SHOULD"})
    session = run_session(tmp_path)
    assert session.exit_code == 0, session.output
    assert "osmium conformance" in session.output
    assert "exit code 0: gate met" in session.output


def test_a_failure_is_exit_1_and_listed_with_its_reason(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.ok"}, {"id": "a.b.broken", "outcome": "fail"})
    session = run_session(tmp_path)
    assert session.exit_code == 1, session.output
    assert "fail        MUST      a.b.broken" in session.output
    assert "MUST check failed at step 1 (send chats_get_chats as alice): expected <ok>" in session.output


def test_non_strict_passes_unless_strict(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.code", "level": "REFERENCE", "outcome": "non-strict"})
    assert run_session(tmp_path).exit_code == 0
    assert run_session(tmp_path, "--conformance-strict").exit_code == 1


def test_unsupported_is_reported_not_failed(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.clock", "outcome": "unsupported"})
    session = run_session(tmp_path)
    assert session.exit_code == 0, session.output
    assert "unsupported MUST      a.b.clock" in session.output
    assert "needs clock-control" in session.output


def test_listed_failure_is_xfail_and_meets_the_gate(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.broken", "outcome": "fail"})
    target = profile(tmp_path, {"id": "a.b.broken", "reason": "known bug"})
    session = run_session(tmp_path, "--target-file", str(target))
    assert session.exit_code == 0, session.output
    assert "1 xfailed" in session.output
    assert "expected failure: known bug" in session.output


def test_listed_case_that_passes_is_xpass_and_prints_the_update_command(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.fixed"})
    target = profile(tmp_path, {"id": "a.b.fixed", "reason": "was broken"})
    session = run_session(tmp_path, "--target-file", str(target))
    assert session.exit_code == 1, session.output
    assert "XPASS a.b.fixed" in session.output
    assert UPDATE_HINT.format(target) in session.output


def test_entry_matching_no_case_fails_the_gate(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.ok"})
    target = profile(tmp_path, {"id": "a.b.renamed", "reason": "old id"})
    session = run_session(tmp_path, "--target-file", str(target))
    assert session.exit_code == 1, session.output
    assert "expected failure 'a.b.renamed' matches no case id" in session.output
    assert UPDATE_HINT.format(target) in session.output


def test_deselected_cases_still_count_as_known(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.ok"}, {"id": "a.b.broken", "outcome": "fail"})
    target = profile(tmp_path, {"id": "a.b.broken", "reason": "known"})
    assert run_session(tmp_path, "--target-file", str(target), "-k", "a.b.ok").exit_code == 0


def test_claimed_capability_no_case_requires_fails_the_gate(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.ok", "requires": ["sign-up"]})
    target = profile(tmp_path, capabilities=("sign-up", "raw-frames"))
    session = run_session(tmp_path, "--target-file", str(target))
    assert session.exit_code == 1, session.output
    assert "capability 'raw-frames' is claimed by the target but no case requires it" in session.output


def test_update_expectations_rewrites_the_list_and_keeps_the_rest(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.fixed"}, {"id": "a.b.still", "outcome": "fail"},
                {"id": "a.b.new", "outcome": "fail"})
    target = profile(tmp_path, {"id": "a.b.fixed", "reason": "was broken"}, {"id": "a.b.still", "reason": "bug 7"},
                     {"id": "a.b.gone", "reason": "renamed"})
    session = run_session(tmp_path, "--target-file", str(target), "--update-expectations")
    assert session.exit_code == 0, session.output
    assert f"rewrote expected_failures of {target}: 2 entries" in session.output
    text = target.read_text()
    assert text.startswith("# my target, keep this comment\nname: t\n")
    assert yaml.safe_load(text)["expected_failures"] == [
        {"id": "a.b.new", "reason": "fails: expected <ok>"}, {"id": "a.b.still", "reason": "bug 7"}]
    assert run_session(tmp_path, "--target-file", str(target)).exit_code == 0


def test_update_expectations_without_profile_is_a_usage_error(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.ok"})
    session = run_session(tmp_path, "--update-expectations")
    assert session.exit_code == 2, session.output
    assert "--update-expectations needs --target-file" in session.output


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ({"id": "a.b.err", "outcome": "error"}, "a.b.err"),
        ({"id": "a.b.crash", "crash": True}, "harness error during run: RuntimeError: runner exploded"),
        ({"id": "a.b.setup", "setup_crash": True}, "harness error during setup: RuntimeError: fixture exploded"),
    ],
)
def test_case_and_harness_errors_are_exit_2(tmp_path: Path, case: dict[str, object], message: str) -> None:
    write_cases(tmp_path, {"id": "a.b.ok"}, case)
    session = run_session(tmp_path)
    assert session.exit_code == 2, session.output
    assert message in session.output


def test_collection_error_is_exit_2(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.ok"})
    (tmp_path / "broken.cases").write_text("{not json\n")
    assert run_session(tmp_path).exit_code == 2
    assert run_session(tmp_path, "--continue-on-collection-errors").exit_code == 2


def test_unreadable_profile_is_exit_2(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.ok"})
    bad = tmp_path / "bad.yaml"
    bad.write_text("url: embedded\nexpected_failures:\n  - id: a.b.ok\n")
    session = run_session(tmp_path, "--target-file", str(bad))
    assert session.exit_code == 2, session.output
    assert "bad.yaml:3: expected failure 'a.b.ok' has no `reason`" in session.output


def test_unreachable_target_is_exit_3(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.ok", "outcome": "error"})
    session = run_session(tmp_path, "--fake-unreachable", "connection refused: ws://127.0.0.1:9/")
    assert session.exit_code == 3, session.output
    assert "target unreachable: connection refused" in session.output


def test_non_scenario_sessions_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_fails():\n    assert False\n")
    session = run_session(tmp_path)
    assert session.exit_code == 1
    assert "osmium conformance" not in session.output
    (tmp_path / "test_plain.py").unlink()
    assert run_session(tmp_path).exit_code == 5


def test_a_failing_unit_test_beside_passing_scenarios_is_named_as_such(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.ok"})
    (tmp_path / "test_plain.py").write_text("def test_fails():\n    assert False\n")
    session = run_session(tmp_path)
    assert session.exit_code == 1, session.output
    assert "exit code 1: gate NOT met: 1 test outside the scenarios failed" in session.output
    assert "conformance failure" not in session.output


def test_junit_json_and_html_reports(tmp_path: Path) -> None:
    write_cases(tmp_path, {"id": "a.b.ok", "level": "SHOULD"}, {"id": "a.b.broken", "outcome": "fail"})
    session = run_session(tmp_path, "--junitxml", "out/j.xml", "--report-json", "out/r.json",
                          "--report-html", "out/r.html")
    assert session.exit_code == 1, session.output
    cases = {tc.get("name"): tc for tc in ET.parse(tmp_path / "out/j.xml").getroot().iter("testcase")}
    properties = {p.get("name"): p.get("value") for p in cases["a.b.ok"].iter("property")}
    assert properties == {"case_id": "a.b.ok", "level": "SHOULD", "area": "a", "spec_section": "10.3",
                          "spec_tag": "DOC", "outcome": "pass"}
    report = json.loads((tmp_path / "out/r.json").read_text())
    schema = json.loads((REPO_ROOT / "conformance/schema/report.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert report["run"]["exit_code"] == 1
    assert report["counts"]["by_outcome"] == {"pass": 1, "non-strict": 0, "fail": 1, "unsupported": 0,
                                              "xfail": 0, "xpass": 0, "error": 0}
    assert "a.b.broken" in (tmp_path / "out/r.html").read_text()


def test_under_xdist_results_and_known_ids_reach_the_controller(tmp_path: Path) -> None:
    cases = [{"id": f"a.b.c{i}", "requires": ["sign-up"]} for i in range(6)]
    write_cases(tmp_path, *cases, {"id": "a.b.broken", "outcome": "fail"})
    target = profile(tmp_path, {"id": "a.b.broken", "reason": "known"}, capabilities=("sign-up",))
    session = run_session(tmp_path, "-n", "2", "--target-file", str(target), "--report-json", "r.json")
    assert session.exit_code == 0, session.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["counts"]["by_outcome"]["pass"] == 6
    assert report["counts"]["by_outcome"]["xfail"] == 1
    stale = profile(tmp_path, {"id": "a.b.nope", "reason": "x"}, capabilities=("sign-up",))
    session = run_session(tmp_path, "-n", "2", "--target-file", str(stale), "-k", "c1")
    assert session.exit_code == 1, session.output
    assert "'a.b.nope' matches no case id" in session.output
