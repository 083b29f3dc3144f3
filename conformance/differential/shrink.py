"""Shrink a divergent sequence by replaying subsets of its operations (delta debugging, ddmin).

Hypothesis's own shrinker replays whole state-machine runs over the network and can take many minutes;
this one works on the recorded operations, is bounded by a time budget, and keeps the shortest sequence
that still diverges at MUST level. Aliases are renamed between runs by where they were first seen, so an
operation that uses a value created by a removed operation makes its candidate invalid.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from conformance.differential.normalize import AliasOrigin
from conformance.differential.ops import ClockOp, Op, Ref, time_leaves
from conformance.differential.pair import Divergence, Endpoints, LoopThread, Sequence, Step
from conformance.differential.sides import Cast


@dataclass
class Shrinker:
    endpoints: Endpoints
    loop: LoopThread
    cast: Cast
    budget_s: float = 60.0
    attempts: int = 0

    def shrink(self, divergence: Divergence) -> Divergence:
        best = divergence
        deadline = time.monotonic() + self.budget_s
        chunks = 2
        while len(best.history) > 1 and time.monotonic() < deadline:
            steps = best.history
            size = max(1, len(steps) // chunks)
            reduced = False
            for start in range(0, len(steps), size):
                if time.monotonic() >= deadline:
                    break
                candidate = steps[:start] + steps[start + size:]
                found = self.replay(candidate)
                if found is not None and len(found.history) < len(best.history):
                    best, reduced = found, True
                    chunks = max(chunks - 1, 2)
                    break
            if not reduced:
                if size == 1:
                    break
                chunks = min(chunks * 2, len(steps))
        return best

    def replay(self, steps: list[Step]) -> Divergence | None:
        """Run these operations afresh; the divergence they reach, or None (no divergence, or invalid)."""
        self.attempts += 1
        sequence = Sequence(self.endpoints, self.loop, self.cast)
        rename: dict[str, str] = {actor: actor for actor in self.cast.actors}
        try:
            for original in steps:
                if isinstance(original.op, ClockOp):
                    sequence.advance(original.op)
                    continue
                op = _renamed(original.op, rename)
                if op is None:
                    return None
                try:
                    observation = sequence.run(op)
                except Divergence as divergence:
                    return divergence
                assert original.reference is not None
                rename.update(_matching_aliases(original.reference.new_aliases, observation.new_aliases))
                for leaf in time_leaves(op.body):
                    rename[leaf.alias] = leaf.alias
            return None
        finally:
            sequence.close()


def _renamed(op: Op, rename: dict[str, str]) -> Op | None:
    missing: list[str] = []

    def walk(value: Any) -> Any:
        if isinstance(value, Ref):
            if value.alias not in rename:
                missing.append(value.alias)
                return value
            return Ref(rename[value.alias])
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    body = walk(op.body)
    return None if missing else Op(op.actor, op.device, op.member, body)


def _matching_aliases(before: dict[str, AliasOrigin], after: dict[str, AliasOrigin]) -> dict[str, str]:
    by_place = {(o.where, o.device, o.update_index, o.path): alias for alias, o in after.items()}
    return {alias: by_place[(o.where, o.device, o.update_index, o.path)] for alias, o in before.items()
            if (o.where, o.device, o.update_index, o.path) in by_place}
