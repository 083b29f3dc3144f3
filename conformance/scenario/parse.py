"""From a validated case document to `Scenario` objects, with the checks a JSON Schema cannot make.

Actor and device references, fixture includes and their parameters, expression syntax, and everything
the protobuf descriptors know (RPC members, field names, enum names) are checked here, at collection,
so a broken case is reported before any frame is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from conformance.errors import CaseError, CaseErrors, Location, did_you_mean
from conformance.outcome import Level
from conformance.scenario import model, shape
from conformance.scenario.expressions import check_templates
from conformance.scenario.loader import YDict, YList, load_yaml_file
from conformance.scenario.names import check_fixture_names, check_scenario_names
from conformance.scenario.schema import validate_case_document, validate_fixture_document


@dataclass
class FixtureLibrary:
    """Loads `cases/fixtures/NAME.yaml` once; a fixture is checked like case steps, with its params as names."""

    root: Path
    display_root: str = "cases/fixtures"
    loaded: dict[str, model.Fixture] = field(default_factory=dict)
    loading: set[str] = field(default_factory=set)

    def names(self) -> list[str]:
        return sorted(p.stem for p in self.root.glob("*.yaml")) if self.root.is_dir() else []

    def get(self, name: str, at: Location) -> model.Fixture:
        if name in self.loaded:
            return self.loaded[name]
        path = self.root / f"{name}.yaml"
        if not path.is_file():
            raise CaseError(
                at,
                f"no fixture {name!r} ({self.display_root}/{name}.yaml)",
                expected="one of " + (", ".join(self.names()) or "(none)"),
                suggestion=did_you_mean(name, self.names()),
            )
        if name in self.loading:
            raise CaseError(at, f"fixture {name!r} includes itself")
        self.loading.add(name)
        try:
            display = f"{self.display_root}/{name}.yaml"
            document = load_yaml_file(path, display)
            errors = validate_fixture_document(document, display)
            if errors:
                raise CaseErrors(errors)
            params = tuple(document.get("params", ()))
            builder = _Builder(path, display, self, actors=None, extra_names=set(params))
            steps = builder.steps(document["steps"])
            if builder.errors:
                raise CaseErrors(builder.errors)
            fixture = model.Fixture(name, params, steps, model.Source(display, path, document.line, document.end_line))
            name_errors = check_fixture_names(fixture)
            if name_errors:
                raise CaseErrors(name_errors)
        finally:
            self.loading.discard(name)
        self.loaded[name] = fixture
        return fixture


def load_case_file(path: Path, display: str, fixtures: FixtureLibrary, area: str) -> list[model.Scenario]:
    """Load, validate and build every scenario of one case file; raises CaseErrors listing the problems."""
    document = load_yaml_file(path, display)
    errors = validate_case_document(document, display)
    if errors:
        raise CaseErrors(errors)
    scenarios: list[model.Scenario] = []
    all_errors: list[CaseError] = []
    seen: dict[str, Location] = {}
    for raw in document["scenarios"]:
        at = raw.location("id")
        if raw["id"] in seen:
            all_errors.append(
                CaseError(at, f"duplicate scenario id {raw['id']!r} (first at line {seen[raw['id']].line})")
            )
        seen[raw["id"]] = at
        builder = _Builder(path, display, fixtures, actors=_actors(raw.get("actors", {})), extra_names=set())
        scenario = builder.scenario(raw, area)
        all_errors += builder.errors or check_scenario_names(scenario)
        scenarios.append(scenario)
    if all_errors:
        raise CaseErrors(all_errors)
    return scenarios


def _actors(raw: Mapping[str, Any]) -> tuple[model.Actor, ...]:
    return tuple(
        model.Actor(
            name=name,
            devices=tuple(spec.get("devices", ())),
            setup=spec.get("setup", "signed-up"),
            no_subscribe=bool(spec.get("no_subscribe", False)),
            username=bool(spec.get("username", False)),
        )
        for name, spec in raw.items()
    )


class _Builder:
    def __init__(
        self,
        path: Path,
        display: str,
        fixtures: FixtureLibrary,
        actors: tuple[model.Actor, ...] | None,
        extra_names: set[str],
    ) -> None:
        self.path = path
        self.display = display
        self.fixtures = fixtures
        self.actors = actors  # None inside a fixture: actors arrive as parameters
        self.extra_names = extra_names
        self.errors: list[CaseError] = []
        self.uses_clock = False

    def source(self, raw: YDict) -> model.Source:
        return model.Source(self.display, self.path, raw.line, raw.end_line)

    def scenario(self, raw: YDict, area: str) -> model.Scenario:
        steps = self.steps(raw["steps"])
        requires = tuple(raw.get("requires", ()))
        requires += tuple(c for c in self.implied_capabilities(steps) if c not in requires)
        if self.uses_clock and "clock-control" not in requires:
            self.errors.append(
                CaseError(
                    raw.location("requires") if "requires" in raw else raw.location("id"),
                    "the scenario moves the clock but does not require 'clock-control'",
                    expected="requires: [clock-control, ...]",
                )
            )
        assert self.actors is not None
        if any(a.username for a in self.actors) and "seed-users" not in requires:
            self.errors.append(
                CaseError(
                    raw.location("actors"),
                    "an actor has 'username: true' but the scenario does not require 'seed-users'",
                    expected="requires: [seed-users, ...]",
                )
            )
        covers = tuple(raw.get("covers", ()))
        members = {**shape.RPC_MEMBERS, **shape.UPDATE_MEMBERS}
        for index, name in enumerate(covers):
            if name not in members:
                at = raw["covers"].location(index)
                self.errors.append(
                    CaseError(
                        at,
                        f"covers: unknown member {name!r}",
                        expected="a ClientMessage or Update oneof member",
                        suggestion=did_you_mean(name, members),
                    )
                )
        return model.Scenario(
            id=raw["id"],
            title=raw["title"],
            level=Level(raw["level"]),
            spec_section=str(raw["spec"]["section"]),
            spec_tag=raw["spec"]["tag"],
            requirements=tuple(raw.get("requirements", ())),
            covers=covers,
            requires=requires,
            actors=self.actors,
            steps=steps,
            source=self.source(raw),
            area=area,
            uses_clock=self.uses_clock,
        )

    def implied_capabilities(self, steps: tuple[model.Step, ...]) -> list[str]:
        """Capabilities a scenario needs by its very shape, even when `requires` does not list them."""
        implied = []
        if any(len(a.devices) > 1 for a in self.actors or ()):
            implied.append("multi-device")
        if any(isinstance(s, model.RawSendStep) for s in model.flatten(steps)):
            implied.append("raw-frames")
        return implied

    def steps(self, raw_steps: YList) -> tuple[model.Step, ...]:
        built: list[model.Step] = []
        for raw in raw_steps:
            for problem in check_templates(raw):
                self.errors.append(
                    CaseError(raw.location(), problem, expected='a valid expression, e.g. "${now_ms + 60_000}"')
                )
            step = self.step(raw)
            if step is not None:
                built.append(step)
        return tuple(built)

    def step(self, raw: YDict) -> model.Step | None:
        level = Level(raw["level"]) if "level" in raw else None
        timeout = float(raw["timeout"]) if "timeout" in raw else None
        source = self.source(raw)
        builders: dict[str, Callable[[YDict, model.Source, Level | None, float | None], model.Step | None]] = {
            "send": self.send,
            "send_raw": self.send_raw,
            "receive": self.receive,
            "expect_none": self.expect_none,
            "clock": self.clock,
            "repeat": self.repeat,
            "concurrently": self.concurrently,
            "include": self.include,
            "set": self.set_values,
        }
        kind = next(k for k in builders if k in raw)
        return builders[kind](raw, source, level, timeout)

    def device(self, reference: Any, at: Location) -> None:
        """`alice` or `alice@phone` must name an actor (and one of its devices)."""
        if shape.is_expression(reference) or self.actors is None:
            return
        name, _, device = str(reference).partition("@")
        actor = next((a for a in self.actors if a.name == name), None)
        if actor is None:
            names = [a.name for a in self.actors]
            self.errors.append(
                CaseError(
                    at,
                    f"unknown actor {name!r}",
                    expected="one of " + (", ".join(names) or "(no actors declared)"),
                    suggestion=did_you_mean(name, names),
                )
            )
        elif device and device not in actor.devices:
            devices = list(actor.devices)
            self.errors.append(
                CaseError(
                    at,
                    f"actor {name!r} has no device {device!r}",
                    expected="one of " + (", ".join(devices) or f"(none: declare devices: [...] on {name})"),
                    suggestion=did_you_mean(device, devices),
                )
            )

    def devices(self, references: Any, container: Any, key: str, at: Location) -> None:
        if isinstance(references, list):
            for index, reference in enumerate(references):
                self.device(reference, shape.where(references, index, at))
        else:
            self.device(references, shape.where(container, key, at))

    def expect_error(self, raw: Any) -> model.ExpectError | None:
        if raw is None:
            return None
        if raw == "any":
            return model.ExpectError(None)
        return model.ExpectError(raw["code"])

    def send(self, raw: YDict, source: model.Source, level: Level | None, timeout: float | None) -> model.Step | None:
        at = raw.location("send")
        rpc = raw["send"]
        self.device(raw["as"], raw.location("as"))
        problems = shape.check_member(rpc, shape.RPC_MEMBERS, "RPC (ClientMessage member)", at)
        if not problems and "with" in raw:
            problems += shape.check_body(raw["with"], shape.message_of(shape.RPC_MEMBERS[rpc]), raw.location("with"))
        expect = raw.get("expect")
        problems += self.answer_checks(raw)
        save = raw.get("save", {})
        self.errors += problems
        return model.SendStep(
            source,
            level,
            timeout,
            rpc,
            raw["as"],
            raw.get("with"),
            expect,
            self.expect_error(raw.get("expect_error")),
            dict(save),
            raw.get("req_id"),
            self.assumes(raw),
        )

    def assumes(self, raw: YDict) -> str | None:
        """`assumes: <REF requirement id>` marks a step that sets the scene with a REF choice: it must succeed,
        so it cannot also expect an error (`lint` checks that the id is a REF requirement)."""
        assumed = raw.get("assumes")
        if assumed is not None and any(k in raw for k in ("expect_error", "expect_close", "expect_silence")):
            self.errors.append(CaseError(
                raw.location("assumes"), "assumes: marks a step that must succeed; it cannot expect an error",
                expected="assumes: on a step with expect: or no check"))
        return str(assumed) if assumed is not None else None

    def answer_checks(self, raw: YDict) -> list[CaseError]:
        """`expect` (an RPCResult member and its pattern) and `save` paths, for send and send_raw."""
        problems: list[CaseError] = []
        expect = raw.get("expect")
        if "expect" in raw and "expect_error" in raw:
            problems.append(
                CaseError(raw.location("expect_error"), "a step has either expect or expect_error, not both")
            )
        if isinstance(expect, Mapping):
            member, pattern = next(iter(expect.items()))
            member_at = shape.where(expect, member, raw.location("expect"))
            member_problems = shape.check_member(member, shape.RESULT_MEMBERS, "RPCResult member", member_at)
            problems += member_problems or shape.check_pattern(
                pattern, shape.Position.of_message(shape.message_of(shape.RESULT_MEMBERS[member])), member_at
            )
        save = raw.get("save", {})
        for name, path in save.items():
            problems += shape.check_save_path(path, shape.where(save, name, raw.location("save")))
        return problems

    def send_raw(
        self, raw: YDict, source: model.Source, level: Level | None, timeout: float | None
    ) -> model.Step | None:
        spec = raw["send_raw"]
        self.device(spec["as"], spec.location("as"))
        checks = [k for k in ("expect", "expect_error", "expect_close", "expect_silence") if k in raw]
        if len(checks) > 1:
            self.errors.append(
                CaseError(
                    raw.location(checks[1]),
                    f"send_raw takes one of expect, expect_error, expect_close, expect_silence"
                    f" (found {', '.join(checks)})",
                )
            )
        self.errors += self.answer_checks(raw)
        close: int | Literal["any"] | None = None
        if "expect_close" in raw:
            code = raw["expect_close"].get("code")
            close = int(code) if code is not None else "any"
        hex_text = spec.get("hex")
        if isinstance(hex_text, str) and len("".join(hex_text.split())) % 2:
            self.errors.append(
                CaseError(
                    spec.location("hex"),
                    f"hex {hex_text!r} has an odd number of digits",
                    expected="whole bytes, e.g. 0a ff",
                )
            )
        return model.RawSendStep(
            source,
            level,
            timeout,
            spec["as"],
            hex_text,
            spec.get("text"),
            spec.get("size"),
            self.expect_error(raw.get("expect_error")),
            close,
            bool(raw.get("expect_silence", False)),
            raw.get("expect"),
            dict(raw.get("save", {})),
            self.assumes(raw),
        )

    def update_patterns(self, raw_list: YList, at: Location, allow_names: bool) -> tuple[model.UpdatePattern, ...]:
        patterns: list[model.UpdatePattern] = []
        for index, entry in enumerate(raw_list):
            entry_at = shape.where(raw_list, index, at)
            if allow_names and isinstance(entry, str):
                self.errors += shape.check_member(entry, shape.UPDATE_MEMBERS, "Update member", entry_at)
                patterns.append(model.UpdatePattern(entry, {}, 1, None))
                continue
            members = [k for k in entry if not k.startswith("$")]
            extra = [k for k in entry if k.startswith("$") and k not in ("$count", "$save")]
            if extra:
                self.errors.append(
                    CaseError(
                        shape.where(entry, extra[0], entry_at),
                        f"unknown key {extra[0]!r} in an update pattern",
                        expected="$count, $save",
                        suggestion=did_you_mean(extra[0], ["$count", "$save"]),
                    )
                )
            if len(members) != 1:
                self.errors.append(
                    CaseError(
                        entry_at,
                        f"an update pattern names exactly one Update member, found {members or 'none'}",
                        expected="{member: pattern}, e.g. {group: {...}}",
                    )
                )
                continue
            member = members[0]
            member_at = shape.where(entry, member, entry_at)
            problems = shape.check_member(member, shape.UPDATE_MEMBERS, "Update member", member_at)
            if not problems:
                problems = shape.check_pattern(
                    entry[member], shape.Position.of_message(shape.message_of(shape.UPDATE_MEMBERS[member])), member_at
                )
            self.errors += problems
            patterns.append(model.UpdatePattern(member, entry[member], entry.get("$count", 1), entry.get("$save")))
        return tuple(patterns)

    def receive(
        self, raw: YDict, source: model.Source, level: Level | None, timeout: float | None
    ) -> model.Step | None:
        spec = raw["receive"]
        self.devices(spec["on"], spec, "on", spec.location("on"))
        updates = self.update_patterns(spec["updates"], spec.location("updates"), allow_names=False)
        within = float(spec["within"]) if "within" in spec else None
        return model.ReceiveStep(source, level, timeout, spec["on"], updates, bool(spec.get("only", False)), within)

    def expect_none(
        self, raw: YDict, source: model.Source, level: Level | None, timeout: float | None
    ) -> model.Step | None:
        spec = raw["expect_none"]
        self.devices(spec["on"], spec, "on", spec.location("on"))
        updates = (
            self.update_patterns(spec["updates"], spec.location("updates"), allow_names=True)
            if "updates" in spec
            else None
        )
        return model.ExpectNoneStep(source, level, timeout, spec["on"], updates)

    def clock(self, raw: YDict, source: model.Source, level: Level | None, timeout: float | None) -> model.Step | None:
        self.uses_clock = True
        spec = raw["clock"]
        return model.ClockStep(source, level, timeout, spec.get("advance_ms"), spec.get("set_ms"))

    def repeat(self, raw: YDict, source: model.Source, level: Level | None, timeout: float | None) -> model.Step | None:
        spec = raw["repeat"]
        return model.RepeatStep(source, level, timeout, spec["times"], spec.get("index"), self.steps(spec["steps"]))

    def concurrently(
        self, raw: YDict, source: model.Source, level: Level | None, timeout: float | None
    ) -> model.Step | None:
        return model.ConcurrentlyStep(source, level, timeout, self.steps(raw["concurrently"]))

    def include(
        self, raw: YDict, source: model.Source, level: Level | None, timeout: float | None
    ) -> model.Step | None:
        at = raw.location("include")
        try:
            fixture = self.fixtures.get(raw["include"], at)
        except CaseError as exc:
            self.errors.append(exc)
            return None
        except CaseErrors as exc:
            self.errors += exc.errors
            return None
        arguments = dict(raw.get("with", {}))
        given, wanted = set(arguments), set(fixture.params)
        for name in sorted(given - wanted):
            self.errors.append(
                CaseError(
                    shape.where(raw.get("with"), name, at),
                    f"fixture {fixture.name!r} has no parameter {name!r}",
                    expected="one of " + (", ".join(fixture.params) or "(no parameters)"),
                    suggestion=did_you_mean(name, fixture.params),
                )
            )
        for name in sorted(wanted - given):
            self.errors.append(
                CaseError(
                    at,
                    f"fixture {fixture.name!r} needs parameter {name!r}",
                    expected="with: {" + ", ".join(f"{p}: ..." for p in fixture.params) + "}",
                )
            )
        if self.actors is not None:
            self._check_actor_arguments(arguments, raw)
        if any(isinstance(s, model.ClockStep) for s in model.flatten(fixture.steps)):
            self.uses_clock = True
        return model.IncludeStep(source, level, timeout, fixture, arguments)

    def _check_actor_arguments(self, arguments: dict[str, Any], raw: YDict) -> None:
        """Arguments that look like actor names are checked as actors (the common case for fixtures)."""
        assert self.actors is not None
        names = {a.name for a in self.actors}
        for key, value in arguments.items():
            values = value if isinstance(value, list) else [value]
            looks_like_actors = key in ("owner", "members", "actor", "actors", "as", "on") or any(
                isinstance(v, str) and v.split("@")[0] in names for v in values
            )
            if looks_like_actors:
                for v in values:
                    if isinstance(v, str) and not shape.is_expression(v):
                        self.device(v, shape.where(raw.get("with"), key, raw.location("with")))

    def set_values(
        self, raw: YDict, source: model.Source, level: Level | None, timeout: float | None
    ) -> model.Step | None:
        return model.SetStep(source, level, timeout, dict(raw["set"]))
