"""Run the differential machine against a target and the bundled reference; write out what it finds."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis import seed as hypothesis_seed
from hypothesis.stateful import run_state_machine_as_test

from conformance.differential.export import write_case
from conformance.differential.machine import ChatMachine
from conformance.differential.pair import Divergence, DivergenceReport, Endpoints, LoopThread
from conformance.differential.shrink import Shrinker


@dataclass
class FuzzResult:
    """What one differential run found."""

    examples: int
    sequences: int
    operations: int
    divergence: Divergence | None = None
    non_strict: list[DivergenceReport] = field(default_factory=list)
    case_file: Path | None = None

    @property
    def ok(self) -> bool:
        return self.divergence is None


def run_differential(endpoints: Endpoints, *, examples: int = 10, steps: int = 20, seed: int | None = 0,
                     clock_control: bool = False, out_dir: Path | None = None,
                     shrink_budget_s: float = 60.0) -> FuzzResult:
    """Run up to `examples` random sequences of up to `steps` operations on both sides.

    `seed` makes the run reproducible (None: a random one). With `out_dir`, a divergence is written there as
    a ready-to-commit case (the shrunk sequence).
    """
    loop = LoopThread()
    machine: type[ChatMachine] = type("DifferentialRun", (ChatMachine,), {
        "endpoints": endpoints, "loop": loop, "clock_control": clock_control, "finished": [],

    })
    if seed is not None:
        machine = hypothesis_seed(seed)(machine)
    # Hypothesis generates; the Shrinker (bounded in time) shrinks, on the recorded operations.
    config = settings(max_examples=examples, stateful_step_count=steps, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck), print_blob=False,
                      phases=[Phase.explicit, Phase.reuse, Phase.generate])
    result = FuzzResult(examples, 0, 0)
    try:
        run_state_machine_as_test(machine, settings=config)
    except Divergence as found:
        divergence = Shrinker(endpoints, loop, found.cast, shrink_budget_s).shrink(found)
        result.divergence = divergence
        if out_dir is not None:
            name, text = write_case(divergence.cast, divergence.history, divergence.report.level.value,
                                    divergence.report.describe(), seed)
            out_dir.mkdir(parents=True, exist_ok=True)
            result.case_file = out_dir / name
            result.case_file.write_text(text)
    finally:
        loop.close()
    finished = machine.finished
    result.sequences = len(finished)
    result.operations = sum(len(sequence.history) for sequence in finished)
    result.non_strict = [report for sequence in finished for report in sequence.non_strict]
    return result
