"""What the case library leaves untested: in-scope protocol members no scenario `covers`, and requirement ids
(cases/requirements/*.yaml) no scenario lists under `requirements`.

The in-scope members come from the osmiumwire descriptors (the wire truth), so a member added to the
protocol shows up here as uncovered without anyone editing a list.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import yaml

from osmiumwire import core_pb2, updates_pb2

# Update members the chats scope defines but no RPC of the scope produces (semantics.md §13: "Not produced by
# the mock" / "Not produced in chat scope"): no scenario can observe them, so they are out of coverage.
NOT_PRODUCED_UPDATES = frozenset({"conversation_permissions", "user"})
REQUIREMENT_KEYS = ("id", "level", "section", "tag", "text")


class CoveringScenario(Protocol):
    """What coverage needs from a scenario (conformance.scenario.model.Scenario has it)."""

    @property
    def id(self) -> str: ...
    @property
    def covers(self) -> Sequence[str]: ...
    @property
    def requirements(self) -> Sequence[str]: ...


class RequirementsError(Exception):
    """A requirements registry file is malformed (exit code 2)."""


@dataclass(frozen=True)
class Requirement:
    id: str
    level: str
    section: str
    tag: str
    text: str
    source: str  # file the requirement is registered in


def rpc_members() -> tuple[str, ...]:
    """Every `ClientMessage.message` oneof member: the RPCs of the chats scope."""
    return tuple(f.name for f in core_pb2.ClientMessage.DESCRIPTOR.oneofs_by_name["message"].fields)


def update_members() -> tuple[str, ...]:
    """Every `Update.update` oneof member a chats-scope RPC produces."""
    fields = updates_pb2.Update.DESCRIPTOR.oneofs_by_name["update"].fields
    return tuple(f.name for f in fields if f.name not in NOT_PRODUCED_UPDATES)


def load_requirements(directory: Path) -> list[Requirement]:
    """Every requirement of `cases/requirements/*.yaml` (each file a list of {id, level, section, tag, text})."""
    requirements: list[Requirement] = []
    for path in sorted(directory.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        except yaml.YAMLError as exc:
            raise RequirementsError(f"{path}: not valid YAML: {exc}") from None
        if not isinstance(data, list):
            raise RequirementsError(f"{path}: a requirements file is a list of {{{', '.join(REQUIREMENT_KEYS)}}}")
        for index, item in enumerate(data):
            if not isinstance(item, dict) or any(not isinstance(item.get(key), str) for key in REQUIREMENT_KEYS):
                raise RequirementsError(
                    f"{path}: item {index} needs the string keys {', '.join(REQUIREMENT_KEYS)}, found {item!r}"[:300])
            fields = {key: str(item[key]) for key in REQUIREMENT_KEYS}
            requirements.append(Requirement(**fields, source=str(path)))
    return requirements


@dataclass
class CoverageReport:
    """Which scenarios cover each member and requirement; everything with no scenario is a gap."""

    rpcs: dict[str, list[str]] = field(default_factory=dict)  # member -> covering case ids
    updates: dict[str, list[str]] = field(default_factory=dict)
    requirements: dict[str, list[str]] = field(default_factory=dict)  # requirement id -> case ids
    registry: dict[str, Requirement] = field(default_factory=dict)
    unknown_covers: dict[str, list[str]] = field(default_factory=dict)  # cited name -> case ids (not a member)
    unknown_requirements: dict[str, list[str]] = field(default_factory=dict)  # cited id -> case ids (not registered)

    @property
    def uncovered_rpcs(self) -> list[str]:
        return [name for name, cases in self.rpcs.items() if not cases]

    @property
    def uncovered_updates(self) -> list[str]:
        return [name for name, cases in self.updates.items() if not cases]

    @property
    def uncovered_requirements(self) -> list[str]:
        return [rid for rid, cases in self.requirements.items() if not cases]

    @property
    def complete(self) -> bool:
        return not (self.uncovered_rpcs or self.uncovered_updates or self.uncovered_requirements
                    or self.unknown_covers or self.unknown_requirements)


def measure(scenarios: Iterable[CoveringScenario], requirements: Iterable[Requirement]) -> CoverageReport:
    report = CoverageReport(
        rpcs={name: [] for name in rpc_members()},
        updates={name: [] for name in update_members()},
    )
    for requirement in requirements:
        report.registry[requirement.id] = requirement
        report.requirements[requirement.id] = []
    for scenario in scenarios:
        for member in scenario.covers:
            for table in (report.rpcs, report.updates):
                if member in table:
                    table[member].append(scenario.id)
            if member not in report.rpcs and member not in report.updates and member not in NOT_PRODUCED_UPDATES:
                report.unknown_covers.setdefault(member, []).append(scenario.id)
        for rid in scenario.requirements:
            target = report.requirements if rid in report.requirements else report.unknown_requirements
            target.setdefault(rid, []).append(scenario.id)
    return report


def summary_lines(report: CoverageReport) -> list[str]:
    """The terminal view: counts, then every gap by name."""
    lines = [
        f"RPCs (ClientMessage members): {_ratio(report.rpcs, report.uncovered_rpcs)} covered",
        f"updates (Update members): {_ratio(report.updates, report.uncovered_updates)} covered",
        f"requirements: {_ratio(report.requirements, report.uncovered_requirements)} covered",
    ]
    lines += [f"  uncovered RPC: {name}" for name in report.uncovered_rpcs]
    lines += [f"  uncovered update: {name}" for name in report.uncovered_updates]
    for rid in report.uncovered_requirements:
        requirement = report.registry[rid]
        lines.append(f"  uncovered requirement: {rid} ({requirement.level}, §{requirement.section})")
    for name, cases in sorted(report.unknown_covers.items()):
        lines.append(f"  `covers` names {name!r}, which is no in-scope member (in {_some(cases)})")
    for rid, cases in sorted(report.unknown_requirements.items()):
        lines.append(f"  `requirements` names {rid!r}, which no registry file defines (in {_some(cases)})")
    return lines


def _ratio(table: dict[str, list[str]], uncovered: list[str]) -> str:
    return f"{len(table) - len(uncovered)}/{len(table)}"


def _some(case_ids: list[str]) -> str:
    return ", ".join(sorted(case_ids)[:3]) + (", ..." if len(case_ids) > 3 else "")


def markdown(report: CoverageReport) -> str:
    """docs/coverage.md: one table per kind, every member and requirement with its case count."""
    out = [
        "# Coverage",
        "",
        "Generated by `osmium-conformance coverage --markdown docs/coverage.md`; do not edit by hand.",
        "In-scope members are read from the `osmiumwire` descriptors; requirements from `cases/requirements/`.",
        "",
        f"## RPCs (`ClientMessage` members): {_ratio(report.rpcs, report.uncovered_rpcs)}",
        "",
        "| member | cases | example |",
        "|---|---|---|",
    ]
    out += [_member_row(name, cases) for name, cases in report.rpcs.items()]
    not_counted = ", ".join(f"`{name}`" for name in sorted(NOT_PRODUCED_UPDATES))
    out += ["", f"## Updates (`Update` members): {_ratio(report.updates, report.uncovered_updates)}", "",
            f"Not produced in the chats scope, so not counted: {not_counted}.",
            "", "| member | cases | example |", "|---|---|---|"]
    out += [_member_row(name, cases) for name, cases in report.updates.items()]
    out += ["", f"## Requirements: {_ratio(report.requirements, report.uncovered_requirements)}", "",
            "| requirement | level | section | cases |", "|---|---|---|---|"]
    for rid, cases in sorted(report.requirements.items()):
        requirement = report.registry[rid]
        out.append(f"| `{rid}` | {requirement.level} | {requirement.section} | {len(cases) or '**none**'} |")
    return "\n".join(out) + "\n"


def _member_row(name: str, cases: list[str]) -> str:
    example = f"`{sorted(cases)[0]}`" if cases else ""
    return f"| `{name}` | {len(cases) or '**none**'} | {example} |"
