"""The command line every benchmark module shares: `python -m benchmarks.<module> [--quick] [--json]`.

A module supplies one `measure(quick) -> Measured`; this turns it into a report, turns any failure into a
one-line error in that report (a benchmark that cannot run is a finding, not a traceback), and prints
either the table or the JSON the orchestrator collects.
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from benchmarks.results import BenchmarkReport, Figure
from benchmarks.table import render_text


@dataclass
class Measured:
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


Measure = Callable[[bool], Measured]


def command_of(module: str, quick: bool) -> str:
    return f"python -m benchmarks.{module}" + (" --quick" if quick else "")


def run_measure(benchmark: str, module: str, measure: Measure, quick: bool, debug: bool = False) -> BenchmarkReport:
    report = BenchmarkReport(benchmark=benchmark, command=command_of(module, quick))
    started = time.perf_counter()
    try:
        measured = measure(quick)
        report.figures = measured.figures
        report.notes = measured.notes
    except KeyboardInterrupt:
        raise
    except Exception as error:
        report.error = f"{type(error).__name__}: {error}"
        if debug:
            traceback.print_exc(file=sys.stderr)
    report.seconds = time.perf_counter() - started
    return report


def module_main(benchmark: str, module: str, measure: Measure, argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m benchmarks.{module}", description=f"benchmark: {benchmark}")
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run, figures are not meaningful")
    parser.add_argument("--json", action="store_true", help="print the report as one JSON document")
    parser.add_argument("--debug", action="store_true", help="print the traceback of a failure on stderr")
    args = parser.parse_args(argv)
    report = run_measure(benchmark, module, measure, args.quick, args.debug)
    if args.json:
        print(report.to_json())
    else:
        print(render_text([report]))
        for note in report.notes:
            print(f"  note: {note}")
        print(f"({report.seconds:.1f}s; command: {report.command})")
    return 1 if report.error else 0
