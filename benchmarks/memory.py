"""Memory per stored message at a million messages, measured two ways in one process.

1. Post `bulk` short-text messages untraced (fast) and read the resident set size growth / `bulk`: the
   whole cost to the machine, allocator slack included.
2. Then, with the chat already that big, turn tracemalloc on and post `traced` more: traced-bytes delta /
   `traced` is the exact Python allocation per message at that scale (the goal figure, <= 512 bytes).
   Tracing the whole million would cost ~3 minutes (tracemalloc makes every allocation ~3x slower). The
   traced window should not straddle a resize of the chat's id->message dict (at 2/3 of a power of two:
   699,050 and 1,398,101 around a million), or the resize is charged to the window alone; the RSS figure
   includes such resizes amortized, so both carry the goal.

Messages go through `ChatService.handle` (one user's saved messages, a distinct short text each), so the
figures count everything the server keeps per message: record, text, id and every index entry. Garbage
(rendered updates and results) is collected before each reading.
"""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

from benchmarks import frames
from benchmarks.domain_driver import DomainDriver
from benchmarks.harness import Measured, module_main
from benchmarks.results import Figure, Goal
from mockserver.domain.contract import Caller

BYTES_GOAL = Goal("<=", 512)
STATM = Path("/proc/self/statm")


@dataclass(frozen=True)
class MemorySizes:
    bulk: int  # posted untraced first: RSS growth per message
    traced: int  # posted next under tracemalloc: allocation per message at `bulk` scale

    @classmethod
    def choose(cls, quick: bool) -> MemorySizes:
        return cls(bulk=12_000, traced=2_000) if quick else cls(bulk=1_000_000, traced=100_000)


def resident_bytes() -> int | None:
    """Current RSS from /proc (Linux); None elsewhere."""
    try:
        return int(STATM.read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def post(driver: DomainDriver, author: Caller, start: int, count: int) -> None:
    handle = driver.service.handle
    self_ref = frames.self_ref()
    for index in range(start, start + count):
        handle(author, frames.send_message(index, self_ref, f"short text {index}"))


def measure(quick: bool) -> Measured:
    sizes = MemorySizes.choose(quick)
    driver = DomainDriver()
    author = driver.sign_up("memory")
    post(driver, author, 0, 1)  # the chat and its conversation exist before the first reading
    figures: list[Figure] = []

    gc.collect()
    rss_before = resident_bytes()
    started = time.perf_counter()
    post(driver, author, 1, sizes.bulk)
    gc.collect()
    rss_after = resident_bytes()
    bulk_s = time.perf_counter() - started

    tracemalloc.start()
    gc.collect()
    traced_before = tracemalloc.get_traced_memory()[0]
    post(driver, author, 1 + sizes.bulk, sizes.traced)
    gc.collect()
    per_message = (tracemalloc.get_traced_memory()[0] - traced_before) / sizes.traced
    tracemalloc.stop()

    figures.append(
        Figure(
            f"bytes per stored message at {sizes.bulk:,} messages (tracemalloc)",
            per_message,
            "bytes",
            BYTES_GOAL,
            f"traced delta over messages {sizes.bulk + 1:,}..{sizes.bulk + sizes.traced:,} of one chat",
        )
    )
    if rss_before is not None and rss_after is not None:
        figures.append(
            Figure(
                f"RSS growth per message over {sizes.bulk:,} messages",
                (rss_after - rss_before) / sizes.bulk,
                "bytes",
                BYTES_GOAL,
                detail=f"RSS {rss_before / 2**20:,.0f} -> {rss_after / 2**20:,.0f} MiB",
            )
        )
    notes = [
        f"texts 'short text N' (12-18 chars) posted through ChatService.handle to one saved-messages chat; "
        f"{sizes.bulk:,} untraced in {bulk_s:.0f}s, then {sizes.traced:,} under tracemalloc",
    ]
    return Measured(figures, notes)


def main(argv: list[str] | None = None) -> int:
    return module_main("memory", "memory", measure, argv)


if __name__ == "__main__":
    sys.exit(main())
