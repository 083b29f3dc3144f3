"""`python -m benchmarks.profiled_mock --profile-out FILE [osmium-mock options]`: the mock under cProfile.

The mock's CLI shuts down cleanly on SIGTERM, so the profile of everything it did is written when the
benchmark stops it. Used by `benchmarks.hotpath` to find where a request's time goes.
"""

from __future__ import annotations

import cProfile
import sys

from mockserver.cli import main as mock_main


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--profile-out" not in args or args.index("--profile-out") + 1 >= len(args):
        print("usage: python -m benchmarks.profiled_mock --profile-out FILE [osmium-mock options]", file=sys.stderr)
        return 2
    position = args.index("--profile-out")
    out = args[position + 1]
    del args[position : position + 2]
    profiler = cProfile.Profile()
    try:
        code = profiler.runcall(mock_main, args)
    finally:
        profiler.dump_stats(out)
    return code


if __name__ == "__main__":
    sys.exit(main())
