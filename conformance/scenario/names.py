"""Static check of the names used in `${...}`: each must be an actor, a built-in, a repeat index, a
fixture parameter, or saved somewhere in the scenario (`save:`, `$save:`, `set:`, a fixture's saves).

The check is flow-insensitive (a name saved by a later step counts as known), which is enough to catch
the common mistake, a misspelled name, at collection with a "did you mean".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from conformance.errors import CaseError, Location, did_you_mean
from conformance.scenario import model
from conformance.scenario.expressions import names_in_value

BUILTINS = ("unique", "now_ms")
_WHOLE = re.compile(r"^\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}$")


def _resolve(key: str, bindings: Mapping[str, Any]) -> str | None:
    """A saved name: literal, or `${param}` of a fixture resolved by the include's arguments."""
    whole = _WHOLE.match(key)
    if whole:
        value = bindings.get(whole.group(1))
        return value if isinstance(value, str) and "${" not in value else None
    return None if "${" in key else key


def defined_names(steps: Iterable[model.Step], bindings: Mapping[str, Any] | None = None) -> set[str]:
    bindings = bindings or {}
    names: set[str] = set()
    for step in steps:
        keys: list[str] = []
        if isinstance(step, (model.SendStep, model.RawSendStep)):
            keys += list(step.save)
        elif isinstance(step, model.ReceiveStep):
            keys += [p.save for p in step.updates if p.save]
        elif isinstance(step, model.SetStep):
            keys += list(step.values)
        elif isinstance(step, model.RepeatStep):
            if step.index:
                names.add(step.index)
            names |= defined_names(step.steps, bindings)
        elif isinstance(step, model.ConcurrentlyStep):
            names |= defined_names(step.steps, bindings)
        elif isinstance(step, model.IncludeStep):
            names |= defined_names(step.fixture.steps, step.arguments)
        names |= {name for key in keys if (name := _resolve(key, bindings))}
    return names


def _uses(step: model.Step) -> Any:
    """The raw values of a step that may hold expressions (nested steps excluded: they are walked)."""
    if isinstance(step, model.SendStep):
        code = step.expect_error.code if step.expect_error else None
        return [step.actor, step.body, step.expect, code, step.req_id, list(step.save)]
    if isinstance(step, model.RawSendStep):
        code = step.expect_error.code if step.expect_error else None
        return [step.actor, step.expect, code]
    if isinstance(step, (model.ReceiveStep, model.ExpectNoneStep)):
        updates = step.updates or ()
        return [step.on, [{p.member: p.pattern} for p in updates], [p.count for p in updates]]
    if isinstance(step, model.ClockStep):
        return [step.advance_ms, step.set_ms]
    if isinstance(step, model.RepeatStep):
        return [step.times]
    if isinstance(step, model.IncludeStep):
        return [step.arguments]
    if isinstance(step, model.SetStep):
        return [step.values]
    return []


def check_names(steps: Iterable[model.Step], known: set[str]) -> list[CaseError]:
    problems: list[CaseError] = []
    for step in steps:
        for name in sorted(names_in_value(_uses(step)) - known):
            problems.append(
                CaseError(
                    Location(step.source.display, step.source.line),
                    f"unknown name {name!r} in an expression",
                    expected="an actor, a saved value, a set: name, a repeat index, now_ms or unique",
                    suggestion=did_you_mean(name, known),
                )
            )
        if isinstance(step, (model.RepeatStep, model.ConcurrentlyStep)):
            problems += check_names(step.steps, known)
    return problems


def check_scenario_names(scenario: model.Scenario) -> list[CaseError]:
    known = {a.name for a in scenario.actors} | set(BUILTINS) | defined_names(scenario.steps)
    return check_names(scenario.steps, known)


def check_fixture_names(fixture: model.Fixture) -> list[CaseError]:
    known = set(fixture.params) | set(BUILTINS) | defined_names(fixture.steps)
    return check_names(fixture.steps, known)
