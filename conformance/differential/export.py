"""Write a (shrunk) divergent sequence as a YAML case that fails on the target and passes on the reference.

Every operation becomes a `send` step whose `expect` is what the reference answered; every device's
updates become a `receive` step with `only: true` (or `expect_none`). Ids are carried by saved values: an
alias first seen in a result is saved from that result, one first seen in an update from that update.

Only the checks where the target differed (the result and the devices' updates of the last operation, the
divergent one) keep the case's level. Every other step is context, and is graded `level: REFERENCE`.
Context reproduces everything the reference did, REF choices included: exact update sets, `client_id`,
`channel_unread_count`, error codes. A MUST case must not fail on those.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from conformance.differential.normalize import AliasOrigin
from conformance.differential.ops import MENTION_KEY, ClockOp, Mention, NowPlus, Op, Ref, time_leaves
from conformance.differential.pair import Step
from conformance.differential.sides import Cast

ALIAS = re.compile(r"\$([a-z]+\d+|u\d+)")
SCHEMA_LINE = "# yaml-language-server: $schema=../../conformance/schema/case.schema.json\n"


@dataclass
class Exporter:
    cast: Cast
    history: list[Step]
    known: dict[str, str] = field(default_factory=dict)  # alias -> expression text usable in ${...}

    def __post_init__(self) -> None:
        for actor in self.cast.actors:
            self.known[actor] = f"{actor}.id"

    def case(self, case_id: str, title: str, level: str) -> dict[str, Any]:
        needed = self._aliases_used_later()
        steps: list[dict[str, Any]] = []
        members: set[str] = set()
        requires: list[str] = []
        last = max((i for i, s in enumerate(self.history) if not isinstance(s.op, ClockOp)), default=-1)
        for index, step in enumerate(self.history):
            if isinstance(step.op, ClockOp):
                steps.append({"clock": {"advance_ms": step.op.advance_ms}})
                requires = ["clock-control"]
                continue
            assert step.reference is not None
            members.add(step.op.member)
            op_steps = self._op_steps(index, step.op, step, needed, members)
            if level != "REFERENCE":
                _grade_context(op_steps, step if index == last else None)
            steps.extend(op_steps)
        actors = {actor: {"devices": [d.split("@", 1)[1] for d in self.cast.devices[actor]]}
                  for actor in self.cast.actors}
        return {
            "id": case_id,
            "title": title,
            "level": level,
            "spec": {"section": "13", "tag": "REF"},
            "requirements": ["regressions.differential"],
            "covers": sorted(members),
            "requires": requires,
            "actors": actors,
            "steps": steps,
        }

    def _aliases_used_later(self) -> set[str]:
        used: set[str] = set()
        for step in self.history:
            if isinstance(step.op, Op):
                used |= _refs(step.op.body)
            if step.reference is not None:
                used |= set(ALIAS.findall(repr(step.reference.result)))
                used |= set(ALIAS.findall(repr(step.reference.updates)))
        return used

    def _op_steps(self, index: int, op: Op, step: Step, needed: set[str], members: set[str]) -> list[dict[str, Any]]:
        reference = step.reference
        assert reference is not None
        out: list[dict[str, Any]] = []
        for leaf in time_leaves(op.body):
            out.append({"set": {leaf.alias: f"${{now_ms + {leaf.offset_ms}}}"}})
            self.known[leaf.alias] = leaf.alias
        send: dict[str, Any] = {"send": op.member, "as": op.device, "with": self._body(op.body)}
        if "error" in reference.result:
            send["expect_error"] = {"code": reference.result["error"]}
        elif "empty" in reference.result:
            send["expect"] = "empty"
        else:
            send["expect"] = self._pattern(reference.result)
        saves = {alias: origin.path for alias, origin in reference.new_aliases.items()
                 if origin.where == "result" and alias in needed}
        if saves:
            send["save"] = saves
        out.append(send)
        self._learn(saves)
        for device, updates in sorted(reference.updates.items()):
            if not updates:
                out.append({"expect_none": {"on": device}})
                continue
            patterns = []
            for position, update in enumerate(updates):
                pattern = self._pattern(update)
                origin_saves = _update_saves(reference.new_aliases, device, position, needed)
                if origin_saves:
                    name = f"upd{index}_{device.replace('@', '_')}_{position}"
                    pattern["$save"] = name
                    for alias, path in origin_saves.items():
                        member = next(iter(update))
                        self.known[alias] = f"{name}.{path}"
                        members.add(member)
                members.add(next(iter(update)))
                patterns.append(pattern)
            out.append({"receive": {"on": device, "updates": patterns, "only": True}})
        return out

    def _learn(self, saves: dict[str, str]) -> None:
        for alias in saves:
            self.known[alias] = alias

    def _body(self, value: Any) -> Any:
        if isinstance(value, Ref | NowPlus):
            return f"${{{self.known.get(value.alias, value.alias)}}}"
        if isinstance(value, dict):
            out = {key: self._body(item) for key, item in value.items() if key != MENTION_KEY}
            mention = value.get(MENTION_KEY)
            if isinstance(mention, Mention):
                tag = f"<@${{{self.known[mention.actor]}}}>"
                out["message"] = f"{tag} {mention.text}"
                out["entities"] = [{"start_index": 0, "length": _tag_length_expr(self.known[mention.actor]),
                                    "user_mention": {}}]
            return out
        if isinstance(value, list):
            return [self._body(item) for item in value]
        return value

    def _pattern(self, value: Any) -> Any:
        if value is None:
            return "$absent"
        if isinstance(value, dict):
            return {key: self._pattern(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._pattern(item) for item in value]
        if isinstance(value, str):
            if value == "<time>":
                return "$any"
            whole = ALIAS.fullmatch(value)
            if whole:
                alias = whole.group(1)
                if alias in self.known:
                    return f"${{{self.known[alias]}}}"
                return "$snowflake" if alias.startswith(("s", "u")) else "$any"
            if value in self.cast.actors:
                return f"${{{value}.name}}"
            return ALIAS.sub(lambda m: f"${{{self.known.get(m.group(1), m.group(1))}}}", value)
        return value


def _grade_context(op_steps: list[dict[str, Any]], divergent: Step | None) -> None:
    """Lower to REFERENCE every step of an operation except the checks where the divergent one differed."""
    differed: set[str] = set()
    result_differed = divergent is not None
    if divergent is not None and divergent.target is not None and divergent.reference is not None:
        target_result, target_updates = divergent.target.comparable()
        reference_result, reference_updates = divergent.reference.comparable()
        result_differed = target_result != reference_result
        differed = {d for d in set(target_updates) | set(reference_updates)
                    if target_updates.get(d) != reference_updates.get(d)}
    for out in op_steps:
        if "set" in out:
            continue  # nothing to grade
        if "send" in out:
            keep = result_differed
        else:  # receive / expect_none on one device
            keep = divergent is not None and (divergent.target is None or _device_of(out) in differed)
        if not keep:
            out["level"] = "REFERENCE"


def _device_of(out: dict[str, Any]) -> str:
    check = out.get("receive") or out.get("expect_none") or {}
    return str(check.get("on", ""))


def _tag_length_expr(user_expression: str) -> str:
    """Length of `<@ID>`: two characters, the decimal digits of the id, one more."""
    return f"${{3 + len(str({user_expression}))}}"


def _refs(value: Any) -> set[str]:
    if isinstance(value, Ref):
        return {value.alias}
    if isinstance(value, dict):
        return {alias for item in value.values() for alias in _refs(item)}
    if isinstance(value, list):
        return {alias for item in value for alias in _refs(item)}
    return set()


def _update_saves(origins: dict[str, AliasOrigin], device: str, position: int, needed: set[str]) -> dict[str, str]:
    return {alias: origin.path for alias, origin in origins.items()
            if origin.where == "update" and origin.device == device and origin.update_index == position
            and alias in needed}


def write_case(cast: Cast, history: list[Step], level: str, description: str, seed: int | None) -> tuple[str, str]:
    """The file name and YAML text of a regression case for this history."""
    digest = hashlib.sha256(repr([(s.op, s.reference and s.reference.result) for s in history]).encode()).hexdigest()
    case_id = f"regressions.differential.d{digest[:10]}"
    title = "Differential regression: the target diverged from the reference on this sequence"
    case = Exporter(cast, history).case(case_id, title, level)
    comment = "".join(f"# {line}\n" for line in description.splitlines())
    text = (SCHEMA_LINE + f"# Written by `osmium-conformance fuzz` (seed {seed}). Review the level and the spec\n"
            "# section before committing. What the target did:\n" + comment)
    text += yaml.safe_dump({"scenarios": [case]}, sort_keys=False, allow_unicode=True, width=120)
    return f"d{digest[:10]}.yaml", text
