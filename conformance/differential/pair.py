"""Run each operation on the target and on the reference, compare, and remember the history.

A difference in the result or in any device's updates is a divergence. It is graded: two errors that
differ only in their code are a REFERENCE-level difference (no code table is published, semantics.md
§14), recorded and reported as non-strict; anything else fails the sequence at MUST level.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from conformance.differential.ops import ClockOp, Op
from conformance.differential.sides import Cast, Observation, Side, run_tag
from conformance.outcome import Level

T = TypeVar("T")
U = TypeVar("U")


class LoopThread:
    """An event loop on a daemon thread, so synchronous hypothesis code can drive async sockets."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="differential-loop", daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@dataclass
class Step:
    """One operation of a sequence and what the reference answered."""

    op: Op | ClockOp
    reference: Observation | None
    target: Observation | None = None


@dataclass
class DivergenceReport:
    level: Level
    step_index: int
    op: Op | ClockOp
    target: Observation
    reference: Observation

    def describe(self) -> str:
        target_result, target_updates = self.target.comparable()
        reference_result, reference_updates = self.reference.comparable()
        lines = [f"first divergence ({self.level.value}) at operation {self.step_index + 1}: {describe_op(self.op)}",
                 f"  {'target':<10} result {target_result}", f"  {'reference':<10} result {reference_result}"]
        for device in sorted(set(target_updates) | set(reference_updates)):
            if target_updates.get(device) != reference_updates.get(device):
                lines.append(f"  updates on {device}:")
                lines.append(f"    {'target':<10} {target_updates.get(device)}")
                lines.append(f"    {'reference':<10} {reference_updates.get(device)}")
        return "\n".join(lines)


class Divergence(AssertionError):
    """The target answered differently from the reference (MUST level): hypothesis shrinks it."""

    def __init__(self, report: DivergenceReport, history: list[Step], cast: Cast) -> None:
        super().__init__(report.describe())
        self.report = report
        self.history = history
        self.cast = cast


def describe_op(op: Op | ClockOp) -> str:
    if isinstance(op, ClockOp):
        return f"advance both clocks by {op.advance_ms} ms"
    return f"{op.device} {op.member} {op.body}"


@dataclass
class Endpoints:
    """Where the two servers are: WebSocket URL and (optional) control API of each."""

    target_url: str
    reference_url: str
    target_admin: str | None = None
    reference_admin: str | None = None
    timeout: float = 5.0


@dataclass
class Sequence:
    """One run of random operations against both sides, with fresh users on each."""

    endpoints: Endpoints
    loop: LoopThread
    cast: Cast
    history: list[Step] = field(default_factory=list)
    non_strict: list[DivergenceReport] = field(default_factory=list)

    def __post_init__(self) -> None:
        e = self.endpoints
        self.target = Side("target", e.target_url, e.target_admin, e.timeout)
        self.reference = Side("reference", e.reference_url, e.reference_admin, e.timeout)
        tag = run_tag()
        try:
            self._call(_pair(self.target.open(self.cast, tag), self.reference.open(self.cast, tag)))
        except BaseException:
            self.close()  # no socket or HTTP session outlives a sequence that could not start
            raise

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return self.loop.run(coroutine, self.endpoints.timeout * 20)

    def run(self, op: Op) -> Observation:
        """Run on both sides; raise Divergence at the first MUST-level difference."""
        devices = self.cast.all_devices()
        index = len(self.history)
        target, reference = self._call(_pair(self.target.run(index, op, devices),
                                             self.reference.run(index, op, devices)))
        self.history.append(Step(op, reference, target))
        level = grade(target, reference)
        if level is Level.MUST:
            raise Divergence(DivergenceReport(level, index, op, target, reference), list(self.history), self.cast)
        if level is not None:
            self.non_strict.append(DivergenceReport(level, index, op, target, reference))
        return reference

    def advance(self, op: ClockOp) -> None:
        self._call(_pair(self.target.advance(op), self.reference.advance(op)))
        self.history.append(Step(op, None))

    def close(self) -> None:
        self._call(_pair(self.target.close(), self.reference.close()))


async def _pair(first: Coroutine[Any, Any, T], second: Coroutine[Any, Any, U]) -> tuple[T, U]:
    """Both sides at once: each side's own order (and so its alias names) is unaffected."""
    first_result, second_result = await asyncio.gather(first, second)
    return first_result, second_result


def grade(target: Observation, reference: Observation) -> Level | None:
    """None when the two agree; REFERENCE when only error codes differ; MUST otherwise."""
    if target.comparable() == reference.comparable():
        return None
    both_errors = "error" in target.result and "error" in reference.result
    if both_errors and target.comparable()[1] == reference.comparable()[1]:
        return Level.REFERENCE
    return Level.MUST
