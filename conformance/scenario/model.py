"""The scenario model: what a case file says, after validation, ready for the runner.

Values that may hold `${...}` expressions are kept raw (`Any`) and rendered by the runner at the moment
the step runs, because they depend on what earlier steps saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from conformance.outcome import Level

Setup = Literal["signed-up", "initialized", "connected"]


@dataclass(frozen=True)
class Source:
    """Where a step (or scenario) is written: file shown to the user, its path, and the line range."""

    display: str
    path: Path
    line: int
    end_line: int

    def __str__(self) -> str:
        return f"{self.display}:{self.line}"


@dataclass(frozen=True)
class Actor:
    name: str
    devices: tuple[str, ...] = ()  # empty: one device named like the actor
    setup: Setup = "signed-up"
    no_subscribe: bool = False
    username: bool = False

    @property
    def device_labels(self) -> tuple[str, ...]:
        if not self.devices:
            return (self.name,)
        return tuple(f"{self.name}@{device}" for device in self.devices)


@dataclass(frozen=True)
class StepBase:
    source: Source
    level: Level | None  # lowers the grade of this step's checks
    timeout: float | None

    @property
    def kind(self) -> str:
        return type(self).__name__.removesuffix("Step").lower()


@dataclass(frozen=True)
class ExpectError:
    code: Any  # None = any code


@dataclass(frozen=True)
class SendStep(StepBase):
    rpc: str
    actor: Any  # "alice", "alice@phone" or an expression (in fixtures)
    body: Any  # mapping with expressions, or None
    expect: Any  # "empty", {member: pattern}, or None
    expect_error: ExpectError | None
    save: dict[str, str]
    req_id: Any
    assumes: str | None = None  # a REF requirement id: if the target refuses this step, the case is unsupported


@dataclass(frozen=True)
class RawSendStep(StepBase):
    actor: Any
    hex: str | None
    text: str | None
    size: int | None
    expect_error: ExpectError | None
    expect_close: int | Literal["any"] | None
    expect_silence: bool
    expect: Any = None  # a raw frame that is a readable request may expect a result, like `send`
    save: dict[str, str] = field(default_factory=dict)
    assumes: str | None = None  # as in SendStep


@dataclass(frozen=True)
class UpdatePattern:
    member: str
    pattern: Any
    count: Any  # int or expression
    save: str | None


@dataclass(frozen=True)
class ReceiveStep(StepBase):
    on: Any
    updates: tuple[UpdatePattern, ...]
    only: bool
    within: float | None


@dataclass(frozen=True)
class ExpectNoneStep(StepBase):
    on: Any
    updates: tuple[UpdatePattern, ...] | None  # None: no update at all


@dataclass(frozen=True)
class ClockStep(StepBase):
    advance_ms: Any
    set_ms: Any


@dataclass(frozen=True)
class RepeatStep(StepBase):
    times: Any
    index: str | None
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class ConcurrentlyStep(StepBase):
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Fixture:
    name: str
    params: tuple[str, ...]
    steps: tuple[Step, ...]
    source: Source


@dataclass(frozen=True)
class IncludeStep(StepBase):
    fixture: Fixture
    arguments: dict[str, Any]


@dataclass(frozen=True)
class SetStep(StepBase):
    values: dict[str, Any]


Step = (
    SendStep
    | RawSendStep
    | ReceiveStep
    | ExpectNoneStep
    | ClockStep
    | RepeatStep
    | ConcurrentlyStep
    | IncludeStep
    | SetStep
)


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    level: Level
    spec_section: str
    spec_tag: str
    requirements: tuple[str, ...]
    covers: tuple[str, ...]
    requires: tuple[str, ...]  # as declared, then what the steps imply (multi-device, raw-frames)
    actors: tuple[Actor, ...]
    steps: tuple[Step, ...]
    source: Source
    area: str = ""
    uses_clock: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def actor(self, name: str) -> Actor | None:
        return next((a for a in self.actors if a.name == name), None)

    def assumptions(self) -> list[tuple[str, Source]]:
        """The REF requirement ids its steps `assume`, with where (inside repeats, concurrent blocks, fixtures)."""
        return [(step.assumes, step.source) for step in flatten(self.steps)
                if isinstance(step, SendStep | RawSendStep) and step.assumes]


def flatten(steps: tuple[Step, ...]) -> list[Step]:
    """Every step, with the steps inside repeats, concurrent blocks and included fixtures, in order."""
    flat: list[Step] = []
    for step in steps:
        flat.append(step)
        if isinstance(step, RepeatStep | ConcurrentlyStep):
            flat += flatten(step.steps)
        elif isinstance(step, IncludeStep):
            flat += flatten(step.fixture.steps)
    return flat
