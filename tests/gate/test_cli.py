"""`osmium-conformance list / explain / lint / coverage`, in-process, on a tiny case library."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import final_exit_code, main, spec_excerpt
from tests.gate.library import SPEC, make_library, write_target


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    make_library(tmp_path, failing=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_list_prints_ids_levels_titles(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["chats.tiny.list-is-empty", "MUST"]
    assert out[0].endswith("A new user's chat list is empty")
    assert len(out) == 2


def test_list_json(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json"]) == 0
    cases = json.loads(capsys.readouterr().out)
    assert cases[0]["id"] == "chats.tiny.list-is-empty"
    assert cases[0]["spec"] == {"section": "10.1", "tag": "PROTO"}
    assert cases[0]["source"] == "cases/chats/tiny.yaml:2"
    assert cases[0]["covers"] == ["chats_get_chats"]


def test_broken_case_is_exit_2_with_file_and_line(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (library / "cases/chats/broken.yaml").write_text("scenarios:\n  - id: chats.tiny.x\n    titel: typo\n")
    assert main(["list"]) == 2
    err = capsys.readouterr().err
    assert "cases/chats/broken.yaml:" in err
    assert "Traceback" not in err


def test_explain_shows_spec_yaml_and_expectations(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_target(library, "name: t\nurl: ws://127.0.0.1:9/\nexpected_failures:\n"
                          "  - {id: chats.tiny.list-is-empty, reason: lists are never empty here}\n")
    assert main(["explain", "chats.tiny.list-is-empty"]) == 0
    out = capsys.readouterr().out
    assert "### 10.1 chats.GetChats" in out and "newest first" in out and "10.2" not in out
    assert "    2    - id: chats.tiny.list-is-empty" in out
    assert "expect: {chats: {chats: {$len: 0}}}" in out
    assert "targets/t.yaml:4: lists are never empty here" in out


def test_explain_unknown_id_suggests(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "chats.tiny.list-is-emty"]) == 2
    assert "did you mean 'chats.tiny.list-is-empty'?" in capsys.readouterr().err


def test_spec_excerpt_stops_at_the_next_heading_of_its_level() -> None:
    excerpt = spec_excerpt(SPEC, "10")
    assert excerpt is not None and "10.1" in excerpt and "10.2" in excerpt
    assert spec_excerpt(SPEC, "10.2") == "### 10.2 chats.GetChat → `chat` (15)\n\nOne conversation."
    assert spec_excerpt(SPEC, "99") is None


def test_lint_ok(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_target(library, "name: t\nurl: ws://127.0.0.1:9/\ncapabilities: [sign-up]\nexpected_failures:\n"
                          "  - {id: chats.tiny.wrongly-expects-one, reason: deliberately wrong}\n")
    assert main(["lint"]) == 0
    assert "lint ok: 2 case files, 2 scenarios, 2 requirements, 1 target profiles" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("name: t\nurl: ws://127.0.0.1:9/\ncapabilites: [sign-up]\n",
         "targets/t.yaml:1: (top level): Additional properties are not allowed ('capabilites' was unexpected)"),
        ("name: t\nurl: http://x/\n", "targets/t.yaml:2: url: 'http://x/' does not match"),
        ("name: t\nurl: embedded\ncapabilities: [sign-up, teleport]\n", "targets/t.yaml:3: capabilities/1:"),
        ("name: t\nurl: embedded\ncapabilities: []\nexpected_failures:\n  - {id: chats.tiny.list-is-emty, reason: r}\n",
         "expected failure 'chats.tiny.list-is-emty' matches no case id; did you mean 'chats.tiny.list-is-empty'?"),
        ("name: [unclosed\n", "targets/t.yaml:"),
    ],
)
def test_lint_bad_target_is_exit_2(library: Path, capsys: pytest.CaptureFixture[str], body: str, message: str) -> None:
    write_target(library, body)
    assert main(["lint"]) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("assumed", "message"),
    [
        ("chats.tiny.emtpy", "assumes 'chats.tiny.emtpy', which is no requirement in cases/requirements; "
                             "did you mean 'chats.tiny.empty'?"),
        ("chats.tiny.empty", "assumes 'chats.tiny.empty', a PROTO rule; only REF choices can be assumed"),
    ],
)
def test_lint_assumes_only_a_registered_ref_choice(
    library: Path, capsys: pytest.CaptureFixture[str], assumed: str, message: str
) -> None:
    case = library / "cases/chats/tiny.yaml"
    case.write_text(case.read_text().replace("        with: {limit: 10}\n", f"        with: {{limit: 10}}\n"
                                             f"        assumes: {assumed}\n", 1))
    assert main(["lint"]) == 2
    err = capsys.readouterr().err
    assert "cases/chats/tiny.yaml:" in err and message in err, err


def test_lint_bad_case_is_exit_2(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (library / "cases/chats/broken.yaml").write_text(
        "scenarios:\n  - id: chats.tiny.y\n    title: t\n    level: MUST\n    spec: {section: '1', tag: PROTO}\n"
        "    actors: {alice: {}}\n    steps:\n      - send: chats_get_chatz\n        as: alice\n")
    assert main(["lint"]) == 2
    assert "cases/chats/broken.yaml:8" in capsys.readouterr().err


def test_coverage_lists_gaps_and_writes_markdown(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["coverage", "--markdown", "coverage.md"]) == 1
    out = capsys.readouterr().out
    assert "RPCs (ClientMessage members): 1/25 covered" in out
    assert "uncovered RPC: chats_create_chat" in out
    assert "uncovered update: message_created" in out
    assert "uncovered requirement: chats.tiny.never-covered (SHOULD, §10.1)" in out
    assert "uncovered RPC: chats_get_chats" not in out
    table = (library / "coverage.md").read_text()
    assert "| `chats_get_chats` | 2 | `chats.tiny.list-is-empty` |" in table
    assert "| `chats.tiny.never-covered` | SHOULD | 10.1 | **none** |" in table


def test_missing_cases_dir_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--cases", str(tmp_path / "nope")]) == 2
    assert "no such directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("pytest_code", "gate_code", "expected"),
    [(0, 0, 0), (1, 1, 1), (1, 2, 2), (2, 3, 3), (5, None, 2), (5, 5, 2), (4, None, 2), (3, None, 2), (2, None, 2),
     (0, None, 0), (1, None, 1)],
)
def test_final_exit_code(pytest_code: int, gate_code: int | None, expected: int) -> None:
    assert final_exit_code(pytest_code, gate_code) == expected


def test_lint_paths_select_a_case_library_or_a_profile(library: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_target(library, "name: t\nurl: embedded\n", name="good.yaml")
    write_target(library, "name: t\nurl: nowhere\n", name="bad.yaml")
    assert main(["lint", "cases/chats/tiny.yaml", "targets/good.yaml"]) == 0
    assert "2 scenarios, 2 requirements, 1 target profiles" in capsys.readouterr().out
    assert main(["lint", "cases/chats/tiny.yaml"]) == 0
    assert "0 target profiles" in capsys.readouterr().out
    assert main(["lint", "targets/bad.yaml"]) == 2
    assert "targets/bad.yaml:2: url: 'nowhere' does not match" in capsys.readouterr().err
