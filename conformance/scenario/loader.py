"""YAML loading that remembers where every mapping key and list item came from.

Case errors must name file:line, so the loaded values are plain dicts and lists that also carry the line
of each key and item. YAML 1.1's surprises are switched off: `on:` stays the string "on" (it is a key of
the `receive` step) and only `true`/`false` are booleans.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from conformance.errors import CaseError, Location


class YDict(dict[str, Any]):
    """A mapping from YAML with the source file and the line of itself and of each key."""

    file: str = "?"
    line: int = 0
    end_line: int = 0
    key_lines: dict[str, int]

    def location(self, key: str | None = None) -> Location:
        line = self.key_lines.get(key, self.line) if key is not None else self.line
        return Location(self.file, line)


class YList(list[Any]):
    """A list from YAML with the source file and the line of each item."""

    file: str = "?"
    line: int = 0
    end_line: int = 0
    item_lines: list[int]

    def location(self, index: int | None = None) -> Location:
        if index is not None and 0 <= index < len(self.item_lines):
            return Location(self.file, self.item_lines[index])
        return Location(self.file, self.line)


_BaseLoader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader  # libyaml's parser when built


class _CaseLoader(_BaseLoader):  # type: ignore[valid-type,misc]  # (a base chosen at import time)
    """SafeLoader with YAML 1.2-style booleans and line-aware containers (libyaml's parser where available:
    the same constructors and resolvers, marks with lines too, several times faster)."""

    source_name = "?"


# Only true/false are booleans (YAML 1.1 would turn `on`, `yes`, `no` into booleans).
_CaseLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_CaseLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _CaseLoader, node: yaml.MappingNode) -> YDict:
    loader.flatten_mapping(node)
    mapping = YDict()
    mapping.file = loader.source_name
    mapping.line = node.start_mark.line + 1
    mapping.end_line = _last_line(node)
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        where = Location(loader.source_name, key_node.start_mark.line + 1)
        if not isinstance(key, str):
            raise CaseError(where, f"mapping key {key!r} is not a string", expected="a name")
        if key in mapping:
            raise CaseError(where, f"duplicate key {key!r}", expected="each key once per mapping")
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader: _CaseLoader, node: yaml.SequenceNode) -> YList:
    items = YList(loader.construct_object(child, deep=True) for child in node.value)
    items.file = loader.source_name
    items.line = node.start_mark.line + 1
    items.end_line = _last_line(node)
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


def _last_line(node: yaml.Node) -> int:
    """The last line (1-based) holding text of a node; a block node's end mark is where the next one starts."""
    if isinstance(node, yaml.ScalarNode) or getattr(node, "flow_style", False):
        return int(node.end_mark.line) + (1 if node.end_mark.column > 0 else 0)
    children: list[yaml.Node] = []
    if isinstance(node, yaml.MappingNode):
        children = [child for pair in node.value for child in pair]
    elif isinstance(node, yaml.SequenceNode):
        children = list(node.value)
    return max((_last_line(child) for child in children), default=int(node.start_mark.line) + 1)


_CaseLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_CaseLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def load_yaml_text(text: str, source_name: str) -> Any:
    """Parse YAML text; a syntax error becomes a CaseError pointing at its line."""
    loader = _CaseLoader(text)
    loader.source_name = source_name
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise CaseError(Location(source_name, line), f"YAML syntax error: {exc.problem or exc}") from None
    finally:
        loader.dispose()


def load_yaml_file(path: Path, display_name: str | None = None) -> Any:
    """Load one YAML file; `display_name` is how error messages name it (a path relative to the run)."""
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseError(Location(name, 0), f"cannot read file: {exc.strerror}") from None
    return load_yaml_text(text, name)


def source_lines(path: Path, first: int, last: int) -> list[tuple[int, str]]:
    """Lines first..last (1-based, inclusive) of a file, for showing a failing step's YAML."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [(number, lines[number - 1]) for number in range(max(first, 1), min(last, len(lines)) + 1)]
