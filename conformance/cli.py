"""`osmium-conformance`: run the suite (pytest underneath), list and explain cases, lint, measure coverage.

Every user mistake (a wrong option, a broken case or profile, an unknown id) ends with a short message and
exit code 2, never a traceback. `run` with no arguments runs the whole case library against the bundled
reference server: the README's first command.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conformance import fuzz
from conformance.coverage import Requirement, RequirementsError, load_requirements, markdown, measure
from conformance.coverage import summary_lines as coverage_lines
from conformance.errors import CaseError, CaseErrors, Location, did_you_mean
from conformance.gate import ExitCode, GatePlugin
from conformance.scenario.loader import YDict, YList, load_yaml_file, source_lines
from conformance.scenario.model import Scenario
from conformance.scenario.parse import FixtureLibrary, load_case_file
from conformance.target import load_profile

PACKAGE_ROOT = Path(__file__).resolve().parent
SKIPPED_FOLDERS = ("fixtures", "requirements")  # not scenario files (same rule as the pytest collection)
SPEC_FILE = Path("docs/spec/semantics.md")
SPEC_EXCERPT_MAX_LINES = 60


class UsageError(Exception):
    """A user mistake: printed as one message, exit code 2."""


# -- where things are --------------------------------------------------------------------------------------


def find_cases_dir(explicit: str | None) -> Path:
    """`--cases DIR`, else ./cases, else the cases/ folder of the repository this package sits in."""
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise UsageError(f"--cases {explicit}: no such directory")
        return path
    for candidate in (Path.cwd() / "cases", PACKAGE_ROOT.parent / "cases"):
        if candidate.is_dir():
            return candidate
    raise UsageError("no cases/ folder here or next to the installed package; run from the repository root "
                     "or pass --cases DIR")


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass
class Library:
    """The scenarios of a case folder, loaded with the core's loader, and the case errors found on the way."""

    root: Path
    scenarios: list[Scenario] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def by_id(self) -> dict[str, Scenario]:
        return {scenario.id: scenario for scenario in self.scenarios}


def library_root(cases_dir: Path) -> Path:
    """The `cases` folder a folder belongs to (`cases/invites` -> `cases`): fixtures and areas hang off it."""
    return _enclosing_cases_dir(cases_dir) or cases_dir.resolve()


def case_files(cases_dir: Path) -> list[Path]:
    root = library_root(cases_dir)
    files = sorted(p.resolve() for p in cases_dir.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return [p for p in files if p.relative_to(root).parts[0] not in SKIPPED_FOLDERS]


def load_library(cases_dir: Path) -> Library:
    """Every scenario under `cases_dir` (the whole library, or one area of it)."""
    library = Library(cases_dir)
    root = library_root(cases_dir)
    fixtures = FixtureLibrary(root / "fixtures", _display(root / "fixtures"))
    first_seen: dict[str, str] = {}
    for path in case_files(cases_dir):
        relative = path.relative_to(root)
        area = relative.parts[0] if len(relative.parts) > 1 else ""
        try:
            scenarios = load_case_file(path, _display(path), fixtures, area)
        except (CaseError, CaseErrors) as exc:
            library.errors.append(str(exc))
            continue
        for scenario in scenarios:
            first = first_seen.setdefault(scenario.id, str(scenario.source))
            if first != str(scenario.source):
                library.errors.append(f"{scenario.source}: scenario id {scenario.id!r} is already used at {first}")
            else:
                library.scenarios.append(scenario)
    for name in fixtures.names():
        try:
            fixtures.get(name, Location(_display(root / "fixtures"), 0))
        except (CaseError, CaseErrors) as exc:
            library.errors.append(str(exc))
    return library


def _require_clean(library: Library) -> None:
    if library.errors:
        raise UsageError("case errors (see `osmium-conformance lint`):\n" + "\n".join(library.errors))


# -- run -----------------------------------------------------------------------------------------------------


class _GateProbe:
    """Remembers the gate's verdict, so pytest's own exit codes (3: internal error) are not mistaken for ours."""

    def __init__(self) -> None:
        self.gate_code: int | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        gate = config.pluginmanager.get_plugin("osmium-gate")
        if isinstance(gate, GatePlugin) and gate.report is not None:
            self.gate_code = gate.report.info.exit_code


def pytest_args(options: argparse.Namespace, extra: Sequence[str]) -> list[str]:
    """The pytest command line `run` stands for.

    Case files or folders given on the command line (`run cases/invites`) replace the whole library.
    """
    paths = [item for item in extra if not item.startswith("-") and Path(item).exists()]
    extra = [item for item in extra if item not in paths]
    roots = paths or [str(find_cases_dir(options.cases))]
    # Cases are YAML, not Python: no assert rewriting (it roughly halves start-up).
    args = [*roots, "-p", "no:cacheprovider", "--assert=plain"]
    for flag, value in (("--target", options.target), ("--target-file", options.target_file),
                        ("-k", options.k), ("-m", options.m), ("--report-json", options.report_json),
                        ("--report-html", options.report_html), ("--junitxml", options.junitxml)):
        if value:
            args += [flag, value]
    if options.n:
        if importlib.util.find_spec("xdist") is None:
            raise UsageError("-n needs pytest-xdist: pip install pytest-xdist (or osmium-conformance[test])")
        args += ["-n", options.n]
    if options.strict:
        args.append("--conformance-strict")
    if options.update_expectations:
        if not options.target_file:
            raise UsageError("--update-expectations needs --target-file (the profile whose list is rewritten)")
        args.append("--update-expectations")
    return args + list(extra)


def final_exit_code(pytest_code: int, gate_code: int | None) -> int:
    """The gate's code when it decided; otherwise pytest's, with every harness problem folded into 2."""
    if gate_code is not None and gate_code != pytest.ExitCode.NO_TESTS_COLLECTED:
        return gate_code
    if pytest_code in (ExitCode.GATE_MET, ExitCode.CONFORMANCE_FAILURE):
        return pytest_code
    return ExitCode.USAGE_ERROR  # interrupted, pytest internal/usage error, no cases collected


def command_run(options: argparse.Namespace, extra: Sequence[str]) -> int:
    args = pytest_args(options, extra)
    probe = _GateProbe()
    code = int(pytest.main(args, plugins=[probe]))
    result = final_exit_code(code, probe.gate_code)
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("osmium-conformance: no scenario was collected (check --cases, -k and -m)", file=sys.stderr)
    return result


# -- list, explain -------------------------------------------------------------------------------------------


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    return {
        "id": scenario.id, "level": scenario.level.value, "title": scenario.title, "area": scenario.area,
        "spec": {"section": scenario.spec_section, "tag": scenario.spec_tag}, "source": str(scenario.source),
        "requires": list(scenario.requires), "covers": list(scenario.covers),
        "requirements": list(scenario.requirements),
    }


def command_list(options: argparse.Namespace) -> int:
    library = load_library(find_cases_dir(options.cases))
    _require_clean(library)
    scenarios = sorted(library.scenarios, key=lambda s: s.id)
    if options.json:
        print(json.dumps([scenario_summary(s) for s in scenarios], indent=2, ensure_ascii=False))
        return 0
    width = max((len(s.id) for s in scenarios), default=2)
    for scenario in scenarios:
        print(f"{scenario.id:<{width}}  {scenario.level.value:<9}  {scenario.title}")
    print(f"{len(scenarios)} cases", file=sys.stderr)
    return 0


def spec_excerpt(text: str, section: str, max_lines: int = SPEC_EXCERPT_MAX_LINES) -> str | None:
    """The section of semantics.md whose heading number is `section` ("10.3"), up to the next heading of the
    same or a higher level."""
    lines = text.splitlines()
    heading = re.compile(rf"^(#{{2,6}})\s+{re.escape(section)}[.\s]")
    for start, line in enumerate(lines):
        match = heading.match(line)
        if match:
            depth = len(match.group(1))
            end = start + 1
            while end < len(lines) and not re.match(rf"^#{{2,{depth}}}\s", lines[end]):
                end += 1
            body = lines[start:end]
            if len(body) > max_lines:
                body = [*body[:max_lines], f"... ({len(body) - max_lines} more lines in {SPEC_FILE})"]
            return "\n".join(body).rstrip()
    return None


def target_files(cases_dir: Path, extra: Iterable[str] = ()) -> list[Path]:
    targets = library_root(cases_dir).parent / "targets"
    found = sorted(targets.glob("*.yaml")) if targets.is_dir() else []
    return found + [Path(p) for p in extra if Path(p) not in found]


def command_explain(options: argparse.Namespace) -> int:
    cases_dir = find_cases_dir(options.cases)
    library = load_library(cases_dir)
    scenarios = library.by_id()
    scenario = scenarios.get(options.id)
    if scenario is None:
        hint = did_you_mean(options.id, scenarios)
        raise UsageError(f"no case {options.id!r}" + (f"; did you mean {hint!r}?" if hint else "")
                         + " (`osmium-conformance list` prints every id)")
    print(f"{scenario.id}  [{scenario.level.value}]  {scenario.title}")
    print(f"spec: semantics.md §{scenario.spec_section} ({scenario.spec_tag})   source: {scenario.source}")
    if scenario.requires:
        print(f"requires: {', '.join(scenario.requires)}")
    print()
    spec_path = library_root(cases_dir).parent / SPEC_FILE
    excerpt = None
    if spec_path.is_file():
        excerpt = spec_excerpt(spec_path.read_text(encoding="utf-8"), scenario.spec_section)
    print(excerpt or f"(section {scenario.spec_section} not found in {spec_path})")
    print()
    print(f"--- {scenario.source.display}")
    for number, line in source_lines(scenario.source.path, scenario.source.line, scenario.source.end_line):
        print(f"{number:>5}  {line}")
    print()
    entries = [line for path in target_files(cases_dir, [options.target_file] if options.target_file else [])
               for line in expectation_lines(path, scenario.id)]
    print("expected failures:" + (" none" if not entries else ""))
    for entry_line in entries:
        print(f"  {entry_line}")
    return 0


def expectation_lines(path: Path, case_id: str) -> list[str]:
    """`file:line: reason (link)` for each expected_failures entry of a profile naming `case_id`."""
    try:
        profile = load_profile(path, _display(path))
    except (CaseError, CaseErrors):
        return []  # `lint` reports it
    return [f"{entry.source}: {entry.reason}" + (f" ({entry.link})" if entry.link else "")
            for entry in profile.expected_failures if entry.case_id == case_id]


# -- lint ----------------------------------------------------------------------------------------------------


def target_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((PACKAGE_ROOT / "schema/target.schema.json").read_text(encoding="utf-8"))
    return schema


def _location_of(document: Any, path: Sequence[Any], file: str) -> Location:
    """The line of the deepest node of `path` that remembers one."""
    location = Location(file, getattr(document, "line", 1))
    node = document
    for key in path:
        in_mapping = isinstance(node, YDict) and key in node
        in_list = isinstance(node, YList) and isinstance(key, int) and key < len(node)
        if not (in_mapping or in_list):
            break
        location = node.location(key)
        node = node[key]
    return location


def lint_target(path: Path, known_ids: dict[str, Scenario]) -> list[str]:
    """Schema errors (file:line), then expected failures naming no case (with a "did you mean")."""
    shown = _display(path)
    try:
        document = load_yaml_file(path, shown)
    except CaseError as exc:
        return [str(exc)]
    validator = jsonschema.Draft7Validator(target_schema())
    errors = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(map(str, e.absolute_path))):
        where = _location_of(document, list(error.absolute_path), shown)
        key = "/".join(map(str, error.absolute_path)) or "(top level)"
        errors.append(f"{where}: {key}: {error.message}")
    if errors:
        return errors
    try:
        profile = load_profile(path, shown)
    except (CaseError, CaseErrors) as exc:
        return [str(exc)]  # what the schema cannot say (a url that is not ws://, ...)
    for entry in profile.expected_failures:
        if entry.case_id not in known_ids:
            hint = did_you_mean(entry.case_id, known_ids)
            errors.append(f"{entry.source}: expected failure {entry.case_id!r} matches no case id"
                          + (f"; did you mean {hint!r}?" if hint else ""))
    return errors


def lint_assumptions(scenarios: Iterable[Scenario], requirements: Iterable[Requirement]) -> list[str]:
    """Each `assumes:` names a registered requirement whose tag is REF: only a choice the spec leaves open may
    be assumed; a DOC or PROTO rule is checked, never assumed away."""
    registry = {requirement.id: requirement for requirement in requirements}
    errors = []
    for scenario in scenarios:
        for assumed, source in scenario.assumptions():
            requirement = registry.get(assumed)
            if requirement is None:
                hint = did_you_mean(assumed, registry)
                errors.append(f"{source}: assumes {assumed!r}, which is no requirement in cases/requirements"
                              + (f"; did you mean {hint!r}?" if hint else ""))
            elif requirement.tag != "REF":
                errors.append(f"{source}: assumes {assumed!r}, a {requirement.tag} rule; only REF choices can be "
                              "assumed (a rule every server must follow is checked, not assumed)")
    return errors


def command_lint(options: argparse.Namespace) -> int:
    """The whole case library (needed anyway to resolve expected-failure ids), then the target profiles.

    A path argument inside a `cases` folder selects that case library; any other path is a target profile.
    """
    paths = [Path(p) for p in options.paths]
    case_roots = {root for root in map(_enclosing_cases_dir, paths) if root is not None}
    if len(case_roots) > 1:
        raise UsageError("lint one case library at a time: " + ", ".join(sorted(map(str, case_roots))))
    cases_dir = case_roots.pop() if case_roots else find_cases_dir(options.cases)
    library = load_library(cases_dir)
    errors = list(library.errors)
    try:
        requirements = load_requirements(cases_dir / "requirements")
    except RequirementsError as exc:
        errors.append(str(exc))
        requirements = []
    else:
        errors += lint_assumptions(library.scenarios, requirements)
    targets = [p for p in paths if _enclosing_cases_dir(p) is None] or (target_files(cases_dir) if not paths else [])
    for path in targets:
        if not path.is_file():
            errors.append(f"{path}: no such target profile")
            continue
        errors += lint_target(path, library.by_id())
    if errors:
        print("\n".join(errors), file=sys.stderr)
        print(f"\nlint: {len(errors)} problem(s)", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    print(f"lint ok: {len(case_files(cases_dir))} case files, {len(library.scenarios)} scenarios, "
          f"{len(requirements)} requirements, {len(targets)} target profiles")
    return 0


def _enclosing_cases_dir(path: Path) -> Path | None:
    resolved = path.resolve()
    return next((p for p in (resolved, *resolved.parents) if p.name == "cases" and p.is_dir()), None)


# -- coverage ------------------------------------------------------------------------------------------------


def command_coverage(options: argparse.Namespace) -> int:
    cases_dir = find_cases_dir(options.cases)
    library = load_library(cases_dir)
    _require_clean(library)
    try:
        requirements = load_requirements(cases_dir / "requirements")
    except RequirementsError as exc:
        raise UsageError(str(exc)) from None
    report = measure(library.scenarios, requirements)
    print("\n".join(coverage_lines(report)))
    if options.markdown:
        Path(options.markdown).write_text(markdown(report), encoding="utf-8")
        print(f"wrote {options.markdown}")
    return 0 if report.complete else ExitCode.CONFORMANCE_FAILURE


# -- the command line ----------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="osmium-conformance",
        description="Conformance suite of the Osmium Chat Protocol's chats API. Exit codes: 0 gate met, "
                    "1 conformance failure, 2 case/profile/usage error, 3 target unreachable.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_cases(sub: argparse.ArgumentParser) -> argparse.ArgumentParser:
        sub.add_argument("--cases", metavar="DIR", help="the case folder (default: ./cases, else the repository's)")
        return sub

    run = with_cases(commands.add_parser(
        "run", help="run the cases (pytest underneath; unknown options go to pytest)",
        description="Run the cases against a target (default: the bundled reference server). Options this "
                    "command does not know are passed to pytest."))
    run.add_argument("--target", metavar="URL", help="ws://host:port/path of the server under test")
    run.add_argument("--target-file", metavar="PATH", help="target profile (targets/NAME.yaml)")
    run.add_argument("--strict", action="store_true", help="non-strict outcomes (SHOULD/REFERENCE missed) fail")
    run.add_argument("-n", metavar="N", help="parallel workers (pytest-xdist), e.g. auto")
    run.add_argument("-k", metavar="EXPR", help="only cases whose id matches (pytest -k)")
    run.add_argument("-m", metavar="EXPR", help="only cases with these marks: must, should, reference, an area")
    run.add_argument("--report-json", metavar="PATH", help="write the JSON report")
    run.add_argument("--report-html", metavar="PATH", help="write the HTML report")
    run.add_argument("--junitxml", metavar="PATH", help="write JUnit XML")
    run.add_argument("--update-expectations", action="store_true",
                     help="rewrite the profile's expected_failures from this run")

    listing = with_cases(commands.add_parser("list", help="every case id, level and title"))
    listing.add_argument("--json", action="store_true", help="as JSON (with spec, source, requires, covers)")

    explain = with_cases(commands.add_parser("explain", help="the spec section, YAML and expectations of a case"))
    explain.add_argument("id", help="a case id")
    explain.add_argument("--target-file", metavar="PATH", help="also look for expectations in this profile")

    lint = with_cases(commands.add_parser("lint", help="schema-check case files and target profiles"))
    lint.add_argument("paths", nargs="*", metavar="PATH",
                      help="target profiles, or files in a cases/ folder (default: the cases and targets/*.yaml)")

    coverage = with_cases(commands.add_parser(
        "coverage", help="in-scope RPCs, updates and requirements no case covers (exit 1 if any)"))
    coverage.add_argument("--markdown", metavar="PATH", help="also write the tables as Markdown (docs/coverage.md)")

    fuzz_command = commands.add_parser(
        "fuzz", help="property-based checks and differential testing against the reference",
        description="Hypothesis properties against the target, and random multi-user sequences run against the "
                    "target and the bundled reference at once; a divergence is shrunk and written as a case.")
    fuzz.add_arguments(fuzz_command)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    options, extra = parser.parse_known_args(argv)
    if extra and options.command != "run":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if options.command == "run":
            return command_run(options, extra)
        handlers = {"list": command_list, "explain": command_explain, "lint": command_lint,
                    "coverage": command_coverage, "fuzz": fuzz.run}
        return handlers[options.command](options)
    except UsageError as exc:
        print(f"osmium-conformance {options.command}: {exc}", file=sys.stderr)
        return ExitCode.USAGE_ERROR
    except BrokenPipeError:  # `osmium-conformance list | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
