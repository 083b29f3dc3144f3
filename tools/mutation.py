"""Mutation score of the case library: run mutmut on a sample of the domain core, then tabulate the results.

    python tools/mutation.py draw [--seed S] [--count N] # add seeded random names from the other modules
    python tools/mutation.py run [--all] [--jobs N]    # fresh mutants/, then `mutmut run` on the sample
    python tools/mutation.py report [--markdown]       # the table and the survivors, from mutants/*.meta

Why a wrapper rather than a bare `mutmut run`:

* the sample is chosen up front and written down: every mutant of the modules in `SAMPLE`, plus the seeded random
  draw from every other module listed in `tools/mutation-random-sample.txt` (names are stable while the source
  does not change; a name that no longer exists is simply not run), so the figures in docs/quality.md can be
  reproduced exactly; `--all` runs every mutant of mockserver/domain/ instead (hours on two cores);
* mutmut 3.8 drops its test-to-function map when it is rerun over an existing `mutants/` whose sources it does
  not regenerate (every mutant then reads "no tests"), so `run` always starts from an empty `mutants/`;
* mutmut's own `results` lists names only; `report` counts per module and scores against the survivors
  classified in `tools/mutation-equivalents.yaml` (equivalent, out-of-scope or a documented gap, each with its
  reasoning; an entry may be a glob).

The configuration mutmut reads (what is mutated, which tests kill, `--conformance-strict`) is the
`[tool.mutmut]` section of pyproject.toml; docs/quality.md explains it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
EQUIVALENTS_FILE = ROOT / "tools" / "mutation-equivalents.yaml"
RANDOM_SAMPLE_FILE = ROOT / "tools" / "mutation-random-sample.txt"

# Every mutant of these modules: the paging, read-state and invite rules, and the index under them all.
SAMPLE: tuple[str, ...] = (
    "mockserver.domain.history.*",
    "mockserver.domain.read_state.*",
    "mockserver.domain.invites.*",
    "mockserver.domain.sorted_ids.*",
    "mockserver.domain.model.*",
)

KILLED = "killed"
SURVIVED = "survived"
TIMEOUT = "timeout"
NO_TESTS = "no tests"
NOT_CHECKED = "not checked"
OTHER = "other"
STATUS_BY_EXIT_CODE: dict[int | None, str] = {
    1: KILLED, 3: KILLED,  # 1: a case failed; 3: the engine could not reach the (broken) server
    0: SURVIVED,
    5: NO_TESTS, 33: NO_TESTS,
    36: TIMEOUT, 24: TIMEOUT, -24: TIMEOUT, 152: TIMEOUT, 255: TIMEOUT,
    None: NOT_CHECKED,
}


@dataclass
class ModuleTally:
    """What became of one module's mutants."""

    module: str
    by_status: Counter[str] = field(default_factory=Counter)
    survivors: dict[str, str] = field(default_factory=dict)  # every mutant not killed -> its status
    killed: list[str] = field(default_factory=list)  # the names mutmut killed in this run


EQUIVALENT = "equivalent"
OUT_OF_SCOPE = "out-of-scope"
GAP = "gap"  # a real gap no case kills yet, with the reason; it stays in the score's denominator


@dataclass(frozen=True)
class Classified:
    """A mutant no case kills and none should: `equivalent` behaves like the original on every input the
    protocol allows (or changes only what the spec leaves undefined); `out-of-scope` changes something the
    case library cannot observe by design (the control API, which cases never read); `gap` is a real gap that
    no case kills yet, with the reason why (it counts against the score)."""

    mutant: str
    kind: str
    reason: str


def random_sample_names(path: Path = RANDOM_SAMPLE_FILE) -> tuple[str, ...]:
    if not path.exists():
        return ()
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


def sample_patterns() -> tuple[str, ...]:
    """The whole sample as mutmut filters: module globs and exact names (fnmatch treats a name as itself)."""
    return SAMPLE + random_sample_names()


def all_mutant_names(mutants_dir: Path = MUTANTS) -> list[str]:
    names: list[str] = []
    for meta in sorted((mutants_dir / "mockserver" / "domain").glob("*.py.meta")):
        names += json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    return sorted(names)


def draw(seed: int, count: int) -> int:
    """Add `count` mutants picked at random (seeded) among those outside `SAMPLE` and not drawn yet, from a
    generated mutants/; earlier draws are kept, so their classifications stay valid."""
    import random
    from fnmatch import fnmatch

    drawn = random_sample_names()
    others = [n for n in all_mutant_names() if not any(fnmatch(n, p) for p in SAMPLE) and n not in drawn]
    if not others:
        print("no generated mutants in mutants/: run `python tools/mutation.py run` once first", file=sys.stderr)
        return 2
    chosen = sorted(random.Random(seed).sample(others, min(count, len(others))))
    previous = RANDOM_SAMPLE_FILE.read_text(encoding="utf-8").splitlines() if RANDOM_SAMPLE_FILE.exists() else []
    header = f"# + seeded random draw (seed {seed}, {len(chosen)} of {len(others)} not yet drawn, outside SAMPLE)"
    RANDOM_SAMPLE_FILE.write_text("\n".join([*previous, header, *chosen]) + "\n", encoding="utf-8")
    print(f"added {len(chosen)} names to {RANDOM_SAMPLE_FILE.relative_to(ROOT)}")
    return 0


def load_classified(path: Path = EQUIVALENTS_FILE) -> dict[str, Classified]:
    if not path.exists():
        return {}
    entries = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    classified = {}
    for e in entries:
        kind = e.get("kind", EQUIVALENT)
        if kind not in (EQUIVALENT, OUT_OF_SCOPE, GAP):
            allowed = f"{EQUIVALENT}, {OUT_OF_SCOPE} or {GAP}"
            raise SystemExit(f"{path.name}: {e['mutant']}: kind must be {allowed}, not {kind!r}")
        classified[e["mutant"]] = Classified(mutant=e["mutant"], kind=kind, reason=e["reason"])
    return classified


def classification(name: str, classified: dict[str, Classified]) -> Classified | None:
    """The entry for one mutant: its exact name, else the first glob entry (`mockserver.domain.dump.*`) matching it."""
    from fnmatch import fnmatch

    if name in classified:
        return classified[name]
    return next((c for key, c in classified.items() if "*" in key and fnmatch(name, key)), None)


def tally(mutants_dir: Path = MUTANTS, patterns: tuple[str, ...] | None = None) -> list[ModuleTally]:
    """Per module, the status of every mutant in the sample (or of all, with `patterns=None`)."""
    from fnmatch import fnmatch

    tallies = []
    for meta in sorted((mutants_dir / "mockserver" / "domain").glob("*.py.meta")):
        codes: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
        module = "mockserver.domain." + meta.name.removesuffix(".py.meta")
        result = ModuleTally(module)
        for name, code in sorted(codes.items()):
            if patterns is not None and not any(fnmatch(name, p) for p in patterns):
                continue
            status = STATUS_BY_EXIT_CODE.get(code, OTHER)
            result.by_status[status] += 1
            if status == KILLED:
                result.killed.append(name)
            else:
                result.survivors[name] = status
        if result.by_status:
            tallies.append(result)
    return tallies


def render_report(tallies: list[ModuleTally], classified: dict[str, Classified], *, markdown: bool) -> str:
    """The per-module table, the score, then every mutant not killed with its classification."""
    columns = (KILLED, TIMEOUT, SURVIVED, NO_TESTS, NOT_CHECKED, OTHER)
    lines = ["| module | generated | " + " | ".join(columns) + f" | {EQUIVALENT} | {OUT_OF_SCOPE} |",
             "|---" * (len(columns) + 4) + "|"]
    total: Counter[str] = Counter()
    for t in tallies:
        entries = [(classification(name, classified), status) for name, status in t.survivors.items()]
        kinds = Counter(entry.kind for entry, status in entries if entry and status in (SURVIVED, NO_TESTS))
        total.update(t.by_status)
        total.update(kinds)
        counts = " | ".join(str(t.by_status[c]) for c in columns)
        lines.append(f"| {t.module} | {sum(t.by_status.values())} | {counts} | {kinds[EQUIVALENT]} | "
                     f"{kinds[OUT_OF_SCOPE]} |")
    generated = sum(total[c] for c in columns)
    counts = " | ".join(str(total[c]) for c in columns)
    lines.append(f"| **all** | {generated} | {counts} | {total[EQUIVALENT]} | {total[OUT_OF_SCOPE]} |")
    detected = total[KILLED] + total[TIMEOUT]
    relevant = generated - total[EQUIVALENT] - total[OUT_OF_SCOPE]
    score = 100.0 * detected / relevant if relevant else 0.0
    raw = 100.0 * detected / generated if generated else 0.0
    lines += ["",
              f"score = (killed + timeout) / (generated - equivalent - out-of-scope) = {detected} / {relevant}"
              f" = {score:.1f}%  (raw, nothing excluded: {detected} / {generated} = {raw:.1f}%)", ""]
    for t in tallies:
        for name, status in t.survivors.items():
            entry = classification(name, classified)
            if status == NOT_CHECKED:
                tag = "not run yet"
            elif status == TIMEOUT:
                tag = "detected: the mutant hangs the server and mutmut's time limit stops it"
            elif entry is not None:
                tag = f"{entry.kind}: {entry.reason}"
            else:
                tag = "NOT CLASSIFIED (a real gap until a case kills it)"
            lines.append(f"- `{name}` ({status}): {tag}")
    # An entry is stale when a mutant it names was run and killed and none it names survived. Entries about
    # mutants outside this run (the sample leaves most of the whole-domain run out) say nothing either way.
    survivors = [name for t in tallies for name in t.survivors]
    killed = [name for t in tallies for name in t.killed]
    stale = sorted(
        key
        for key, c in classified.items()
        if any(classification(n, {key: c}) for n in killed) and not any(classification(n, {key: c}) for n in survivors)
    )
    lines += [f"- stale entry in {EQUIVALENTS_FILE.name} (killed in this run): `{name}`" for name in stale]
    text = "\n".join(lines)
    return text if markdown else text.replace("**", "").replace("`", "")


def run(all_mutants: bool, jobs: int) -> int:
    if shutil.which("mutmut") is None:
        print("mutmut is not installed: pip install 'mutmut>=3.8,<4'", file=sys.stderr)
        return 2
    if MUTANTS.exists():
        shutil.rmtree(MUTANTS)
    patterns = [] if all_mutants else list(sample_patterns())
    command = ["mutmut", "run", "--max-children", str(jobs), *patterns]
    print("+", " ".join(command), flush=True)
    return subprocess.call(command, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/mutation.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="fresh mutants/, then mutmut run on the sample")
    run_parser.add_argument("--all", action="store_true", help="every mutant of mockserver/domain/, not the sample")
    run_parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    draw_parser = sub.add_parser("draw", help="add seeded random names outside SAMPLE to " + RANDOM_SAMPLE_FILE.name)
    draw_parser.add_argument("--seed", type=int, default=7)
    draw_parser.add_argument("--count", type=int, default=120)
    report_parser = sub.add_parser("report", help="per-module table, score and survivors")
    report_parser.add_argument("--all", action="store_true", help="every mutant in mutants/, not only the sample")
    report_parser.add_argument("--markdown", action="store_true", help="markdown, as pasted in docs/quality.md")
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args.all, args.jobs)
    if args.command == "draw":
        return draw(args.seed, args.count)
    if not MUTANTS.exists():
        print("no mutants/ folder: run `python tools/mutation.py run` first", file=sys.stderr)
        return 2
    tallies = tally(patterns=None if args.all else sample_patterns())
    print(render_report(tallies, load_classified(), markdown=args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
