"""The JSON report against its schema, the HTML page's content and escaping, the JUnit properties."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from conformance.outcome import Level, Outcome
from conformance.reports.html import render_html, write_html
from conformance.reports.json import build_json, write_json
from conformance.reports.junit import junit_properties
from conformance.reports.model import RunInfo, RunReport, result_from_dict, result_to_dict
from tests.gate.factories import make_result

SCHEMA = json.loads((Path(__file__).parents[2] / "conformance/schema/report.schema.json").read_text())
EVIL = '<script>alert("x")</script>&amp;'


def sample_report(exit_code: int = 1) -> RunReport:
    started = datetime(2026, 11, 22, 3, 0, 0, tzinfo=UTC)
    results = (
        make_result("groups.create.owner-flag", Outcome.PASS),
        make_result("groups.create.bad-name", Outcome.FAIL, message=f"expected {EVIL}\ngot nothing",
                    trace=f"alice -> chats_create_chat {{name: {EVIL!r}}}"),
        make_result("invites.expiry.edge", Outcome.UNSUPPORTED, Level.SHOULD, reason="needs clock-control"),
        make_result("errors.codes.not-found", Outcome.NON_STRICT, Level.REFERENCE,
                    message="code 404 expected, got 400"),
        make_result("typing.fanout.others", Outcome.XFAIL, reason="known bug"),
        make_result("session.init.twice", Outcome.ERROR, reason=f"bad case {EVIL}", title=f"title {EVIL}"),
    )
    info = RunInfo(
        target="ws://127.0.0.1:9000/", profile="targets/x.yaml", started_at=started,
        finished_at=started.replace(second=3), exit_code=exit_code, gate_problems=("XPASS a.b.c: passed",),
        update_command="osmium-conformance run --target-file targets/x.yaml --update-expectations",
    )
    return RunReport(info, results)


def test_json_report_matches_its_schema(tmp_path: Path) -> None:
    path = tmp_path / "out" / "report.json"
    write_json(sample_report(), path)
    data = json.loads(path.read_text())
    jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.FormatChecker()).validate(data)
    assert data["counts"]["total"] == 6
    assert data["counts"]["by_outcome"]["fail"] == 1
    assert data["counts"]["by_level"]["SHOULD"]["unsupported"] == 1
    failed = next(case for case in data["cases"] if case["id"] == "groups.create.bad-name")
    assert failed["area"] == "groups"
    assert failed["spec"] == {"section": "10.3", "tag": "DOC"}
    assert failed["failure_summary"].startswith("MUST check failed at step 1")
    assert EVIL in failed["trace"]


def test_schema_rejects_a_report_with_an_unknown_outcome() -> None:
    data = build_json(sample_report())
    data["cases"][0]["outcome"] = "passed-ish"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, SCHEMA)


def test_result_dict_round_trip() -> None:
    for result in sample_report().results:
        assert result_from_dict(json.loads(json.dumps(result_to_dict(result)))) == result


def test_html_escapes_everything_and_needs_no_network() -> None:
    page = render_html(sample_report())
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;" in page
    assert page.count("<script>") == 1  # the page's own filter script, inline
    for remote in ("http://", "https://", "//cdn", "src="):
        assert remote not in page.replace('content="default-src', "")


def test_html_placeholders_in_data_are_not_expanded() -> None:
    report = sample_report()
    info = RunInfo("{{ROWS}}", None, report.info.started_at, report.info.finished_at)
    page = render_html(RunReport(info, report.results))
    assert "Osmium conformance: {{ROWS}}" in page


def test_junit_properties() -> None:
    assert junit_properties(make_result("a.b.c", Outcome.XFAIL, Level.SHOULD)) == [
        ("case_id", "a.b.c"), ("level", "SHOULD"), ("area", "a"), ("spec_section", "10.3"), ("spec_tag", "DOC"),
        ("outcome", "xfail"),
    ]


def test_html_written(tmp_path: Path) -> None:
    path = tmp_path / "r.html"
    write_html(sample_report(), path)
    assert path.read_text().startswith("<!DOCTYPE html>")
