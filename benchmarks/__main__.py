"""`python -m benchmarks [--quick] [--only NAME,...] [--markdown] [--json-out FILE]`: run every measurement.

Each measurement runs in a fresh interpreter (`python -m benchmarks.<module> --json`), one after the other,
so that the big data sets of one never distort the memory or the timings of the next, and a measurement
that fails or overruns its time bound becomes an error row instead of stopping the others.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from benchmarks.harness import command_of
from benchmarks.machine import describe_machine, load_average
from benchmarks.results import BenchmarkReport
from benchmarks.servers import REPO_ROOT, with_repo_on_path
from benchmarks.table import render_markdown, render_text


@dataclass(frozen=True)
class Benchmark:
    name: str
    module: str
    timeout_s: float  # full run; --quick gets a tenth (at least 60 s)


BENCHMARKS = (
    Benchmark("throughput", "throughput", 300),
    Benchmark("pages", "pages", 600),
    Benchmark("memory", "memory", 600),
    Benchmark("fanout", "fanout", 300),
    Benchmark("suite", "suite_speed", 900),
    Benchmark("hotpath", "hotpath", 300),
)


def run_one(benchmark: Benchmark, quick: bool) -> BenchmarkReport:
    argv = [sys.executable, "-m", f"benchmarks.{benchmark.module}", "--json", *(["--quick"] if quick else [])]
    timeout = max(benchmark.timeout_s / 10, 60) if quick else benchmark.timeout_s
    env = {**os.environ, "PYTHONPATH": with_repo_on_path(os.environ.get("PYTHONPATH"))}
    started = time.perf_counter()
    failed = BenchmarkReport(benchmark=benchmark.name, command=command_of(benchmark.module, quick))
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT, env=env)
    except subprocess.TimeoutExpired:
        failed.error = f"did not finish within {timeout:.0f}s"
        failed.seconds = time.perf_counter() - started
        return failed
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        failed.error = f"exit {done.returncode}, no report: {tail}"
        failed.seconds = time.perf_counter() - started
        return failed
    try:
        report = BenchmarkReport.from_json(lines[-1])
    except (ValueError, KeyError) as error:
        failed.error = f"unreadable report: {error}"
        return failed
    report.seconds = time.perf_counter() - started  # the module's own run, interpreter start included
    return report


def select(only: str | None) -> list[Benchmark]:
    if not only:
        return list(BENCHMARKS)
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    known = {benchmark.name: benchmark for benchmark in BENCHMARKS}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise SystemExit(f"python -m benchmarks: unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [known[name] for name in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run, the figures mean nothing")
    names = ", ".join(benchmark.name for benchmark in BENCHMARKS)
    parser.add_argument("--only", metavar="NAMES", help=f"comma-separated subset of: {names}")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--json-out", metavar="FILE", help="also write every report as JSON to FILE")
    args = parser.parse_args(argv)
    machine = describe_machine()
    reports = []
    for benchmark in select(args.only):
        print(f"running {benchmark.name} ({command_of(benchmark.module, args.quick)}) ...", file=sys.stderr, flush=True)
        report = run_one(benchmark, args.quick)
        print(
            f"  {benchmark.name}: {report.seconds:.1f}s{' ERROR ' + report.error if report.error else ''}",
            file=sys.stderr,
            flush=True,
        )
        reports.append(report)
    for line in machine:
        print(line)
    print(f"load average at the end: {load_average()}")
    print()
    print(render_markdown(reports) if args.markdown else render_text(reports))
    print()
    for report in reports:
        print(f"- {report.benchmark} ({report.seconds:.0f}s): `{report.command}`")
        for figure in report.figures:
            if figure.detail:
                print(f"  - {figure.name}: {figure.detail}")
        for note in report.notes:
            print(f"  - note: {note}")
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as handle:
            json.dump([json.loads(report.to_json()) for report in reports], handle, indent=2)
    return 1 if any(report.error for report in reports) else 0


if __name__ == "__main__":
    sys.exit(main())
