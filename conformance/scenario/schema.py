"""JSON Schema (draft-07) validation of case and fixture files, with errors a case writer can act on.

The published schema (`conformance/schema/case.schema.json`) is what editors use; here its errors are
turned into one line each: file:line, the offending key, what was expected and a "did you mean".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema import Draft7Validator
from referencing import Registry, Resource

from conformance.errors import CaseError, Location, did_you_mean
from conformance.scenario.loader import YDict, YList

FRIENDLY_PATTERNS = {
    "^[a-z0-9-]+(\\.[a-z0-9-]+)+$": "a dotted lowercase id like groups.create.owner-flag",
    "^[0-9]+(\\.[0-9]+)*$": 'a section number like "10.3" (quoted)',
    "^[A-Za-z_][A-Za-z0-9_]*$": "a name made of letters, digits and _",
    "\\$\\{[^}]*\\}": 'an expression "${...}"',
    "^[0-9a-fA-F\\s]*$": "hexadecimal digits",
    "^[a-z0-9][a-z0-9-]*$": "a fixture name (lowercase, digits and -)",
}
TYPE_NAMES = {
    "object": "a mapping",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
}


@cache
def case_schema() -> dict[str, Any]:
    text = resources.files("conformance").joinpath("schema/case.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def fixture_schema() -> dict[str, Any]:
    text = resources.files("conformance").joinpath("schema/fixture.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator(kind: str) -> Draft7Validator:
    """The validator of case files ("case") or fixture files ("fixture"), built once per process."""
    schema = case_schema() if kind == "case" else fixture_schema()
    case = case_schema()
    resource: Resource[Any] = Resource.from_contents(case)
    # by its $id, and by the relative name the fixture schema uses (so editors resolve it next to the file)
    registry: Registry[Any] = Registry().with_resources([(case["$id"], resource), ("case.schema.json", resource)])
    return Draft7Validator(schema, registry=registry)


def validate_case_document(document: Any, file: str) -> list[CaseError]:
    return _validate(_validator("case"), document, file)


def validate_fixture_document(document: Any, file: str) -> list[CaseError]:
    return _validate(_validator("fixture"), document, file)


def _validate(validator: Draft7Validator, document: Any, file: str) -> list[CaseError]:
    errors = [_explain(error, document, file) for error in validator.iter_errors(document)]
    unique: dict[str, CaseError] = {}
    for error in sorted(errors, key=lambda e: e.location.line if e.location else 0):
        unique.setdefault(error.render(), error)
    return list(unique.values())


def _container_and_key(document: Any, path: Iterable[Any]) -> tuple[Any, Any]:
    """The container holding the value at `path`, and the key/index of the value in it."""
    container: Any = None
    key: Any = None
    value = document
    for step in path:
        container, key = value, step
        value = value[step]
    return container, key


def _location(document: Any, path: list[Any], file: str) -> Location:
    container, key = _container_and_key(document, path)
    if isinstance(container, (YDict, YList)):
        return container.location(key)
    value = document
    for step in path:
        value = value[step]
    if isinstance(value, (YDict, YList)):
        return value.location()
    return Location(file, getattr(document, "line", 0))


def _path_label(path: list[Any]) -> str:
    label = ""
    for step in path:
        label += f"[{step}]" if isinstance(step, int) else (f".{step}" if label else str(step))
    return label or "(top level)"


def _describe(schema: Any) -> str:
    """A few words for what a (sub)schema accepts."""
    if not isinstance(schema, dict):
        return "something else"
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return (
            _describe(case_schema()["definitions"].get(name, {})) if name != "expression" else 'an expression "${...}"'
        )
    if "enum" in schema:
        return " or ".join(repr(v) for v in schema["enum"])
    if "anyOf" in schema and "type" not in schema:
        return " or ".join(_describe(option) for option in schema["anyOf"])
    if "required" in schema and "type" not in schema:
        return "a " + "/".join(repr(k) for k in schema["required"]) + " key"
    if schema.get("type") == "string" and "pattern" in schema:
        return FRIENDLY_PATTERNS.get(schema["pattern"], f"a string matching {schema['pattern']}")
    if schema.get("type") == "object" and schema.get("maxProperties") == 1:
        return "a mapping with one key"
    kind = schema.get("type")
    if isinstance(kind, str):
        return TYPE_NAMES.get(kind, kind)
    return "a valid value"


def _explain(error: jsonschema.ValidationError, document: Any, file: str) -> CaseError:
    path = list(error.absolute_path)
    where = _location(document, path, file)
    label = _path_label(path)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    instance = error.instance
    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = list(schema.get("properties", {}))
        extras = [k for k in instance if k not in allowed]
        extra = extras[0] if extras else "?"
        at = instance.location(extra) if isinstance(instance, YDict) else where
        expected = "one of " + ", ".join(allowed)
        if extra in ("level", "timeout") and path and path[-1] in ("receive", "expect_none", "send_raw", "clock"):
            expected += f" ({extra}: belongs to the step, next to {path[-1]}:)"
        return CaseError(
            at,
            f"unknown key {extra!r} in {label}",
            expected=expected,
            suggestion=did_you_mean(extra, allowed),
        )
    if kind == "required":
        missing = str(_list_value(error)[0]) if _list_value(error) else "?"
        for name in _list_value(error):
            if isinstance(instance, dict) and name not in instance:
                missing = name
                break
        return CaseError(where, f"missing key {missing!r} in {label}", expected=f"{label} to have {missing!r}")
    if kind == "anyOf" and schema.get("anyOf") and all("required" in option for option in schema["anyOf"]):
        kinds = [option["required"][0] for option in schema["anyOf"]]
        keys = list(instance) if isinstance(instance, dict) else []
        guess = next((s for s in (did_you_mean(k, kinds) for k in keys) if s), None)
        found = ", ".join(keys) or "nothing"
        return CaseError(
            where,
            f"{label} is not a step (found keys: {found})",
            expected="one of " + ", ".join(kinds),
            suggestion=guess,
        )
    if kind == "oneOf" and all("required" in option for option in schema.get("oneOf", [])):
        names = [option["required"][0] for option in schema["oneOf"]]
        return CaseError(where, f"{label} needs exactly one of {', '.join(names)}", expected="one of them, not several")
    if kind == "enum" and path and path[-1] == "send":
        choices = [str(v) for v in _list_value(error)]
        return CaseError(
            where,
            f"unknown RPC (ClientMessage member) {instance!r}",
            expected=f"one of {len(choices)} RPCs, e.g. " + ", ".join(choices[:6]),
            suggestion=did_you_mean(str(instance), choices),
        )
    if kind == "enum":
        choices = [str(v) for v in _list_value(error)]
        return CaseError(
            where,
            f"{label}: {instance!r} is not allowed",
            expected="one of " + ", ".join(choices),
            suggestion=did_you_mean(str(instance), choices),
        )
    if kind == "pattern":
        return CaseError(where, f"{label}: {instance!r} does not have the expected form", expected=_describe(schema))
    if kind == "type":
        expected = _describe({"type": str(error.validator_value)})
        return CaseError(where, f"{label}: found {_found(instance)}", expected=expected)
    if kind in ("minItems", "minProperties"):
        return CaseError(where, f"{label} must not be empty", expected=_describe(schema))
    if kind == "maxProperties":
        return CaseError(where, f"{label} must have exactly one key", expected=_describe(schema))
    if kind == "anyOf":
        return CaseError(where, f"{label}: found {_found(instance)}", expected=_describe(schema))
    if kind in ("exclusiveMinimum", "minimum"):
        return CaseError(where, f"{label}: {instance!r} is too small", expected=f"a number > {error.validator_value}")
    return CaseError(where, f"{label}: {error.message}")


def _found(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return f"{type(value).__name__} {value!r}"


def _list_value(error: jsonschema.ValidationError) -> list[Any]:
    value = error.validator_value
    return list(value) if isinstance(value, (list, tuple)) else []
