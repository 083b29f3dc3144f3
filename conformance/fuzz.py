"""`osmium-conformance fuzz`: property-based checks and differential testing against a target.

The properties (conformance/properties/) run against the target alone. The differential machine
(conformance/differential/) runs the same random sequences against the target and the bundled reference
(started in-process) and compares them; a divergence is shrunk and written as a case under
`cases/regressions/`. Exit codes as `run`: 0 all held, 1 a MUST property failed or a MUST divergence was
found, 3 target unreachable.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from conformance.errors import TargetUnreachable
from conformance.outcome import Level

EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--target", help="ws:// URL of the server under test (default: a second bundled server)")
    parser.add_argument("--target-admin", help="its control API (http://host:port/__admin), for clock control")
    parser.add_argument("--examples", type=int, default=20, help="hypothesis examples per property and run")
    parser.add_argument("--steps", type=int, default=25, help="operations per differential sequence")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed (reproducible runs)")
    parser.add_argument("--out", type=Path, default=Path("cases/regressions"),
                        help="where a shrunk divergence is written as a case")
    parser.add_argument("--shrink-seconds", type=float, default=60.0, help="time budget of the shrinker")
    parser.add_argument("--only", choices=["properties", "differential"], help="run only one of the two")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds one request may take")


def run(args: argparse.Namespace) -> int:
    from conformance.session import BUNDLED_SCRYPT_N
    from mockserver.embedded import EmbeddedServer

    with EmbeddedServer(scrypt_n=BUNDLED_SCRYPT_N) as reference:
        own_target = None
        if args.target is None:
            own_target = EmbeddedServer(scrypt_n=BUNDLED_SCRYPT_N)
            own_target.start()
            url, admin = own_target.url, own_target.admin_url
        else:
            url, admin = args.target, args.target_admin
        try:
            return _run(args, url, admin, reference.url, reference.admin_url)
        except TargetUnreachable as error:
            print(f"osmium-conformance fuzz: target unreachable: {error}", file=sys.stderr)
            return EXIT_UNREACHABLE
        finally:
            if own_target is not None:
                own_target.stop()


def _run(args: argparse.Namespace, url: str, admin: str | None, reference_url: str, reference_admin: str) -> int:
    # Imported here: `osmium-conformance run` must not import hypothesis before pytest starts.
    from conformance.differential.pair import Endpoints
    from conformance.differential.runner import run_differential
    from conformance.properties.checks import Budget, run_properties
    from conformance.properties.client import Target

    failed = False
    clock = admin is not None
    if args.only != "differential":
        target = Target(url, admin, args.timeout)
        try:
            results = run_properties(target, Budget(args.examples, args.seed), clock_control=clock)
        finally:
            target.close()
        print(f"properties against {url} ({args.examples} examples each, seed {args.seed}):")
        for result in results:
            verdict = "pass" if result.passed else ("fail" if result.level is Level.MUST else "non-strict")
            note = f"  ({result.message})" if result.passed and result.message else ""
            print(f"  {verdict:<11} {result.level.value:<9} {result.name:<34} §{result.spec}{note}")
            if not result.passed:
                print("    " + result.message.replace("\n", "\n    "))
                failed |= result.level is Level.MUST
    if args.only != "properties":
        endpoints = Endpoints(url, reference_url, admin, reference_admin, args.timeout)
        found = run_differential(endpoints, examples=args.examples, steps=args.steps, seed=args.seed,
                                 clock_control=clock, out_dir=args.out, shrink_budget_s=args.shrink_seconds)
        print(f"differential against the reference: {found.sequences} sequences, {found.operations} operations")
        for report in found.non_strict:
            print("  non-strict: " + report.describe().replace("\n", "\n  "))
        if found.divergence is not None:
            failed = True
            print(found.divergence.report.describe())
            print(f"shrunk to {len(found.divergence.history)} operations; written to {found.case_file}")
            print(f"re-run it: osmium-conformance run --target {url} --cases {found.case_file}")
        else:
            print("  no divergence")
    return EXIT_FAIL if failed else EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="osmium-conformance fuzz", description=__doc__.splitlines()[0])
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
