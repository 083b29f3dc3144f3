"""What-if: the mock as it is against the mock with the batched writer (`benchmarks.patched_mock`).

Both run as separate processes, side by side in one run, alternating rounds, same client and workloads as
`benchmarks.throughput`. The figures are patched / as-is, so > 1 means the recommended change is faster.
"""

from __future__ import annotations

import asyncio
import sys

from benchmarks import frames
from benchmarks.connection import client_session
from benchmarks.harness import Measured, module_main
from benchmarks.loadgen import LoadSpec, Workload, run_load
from benchmarks.results import Figure
from benchmarks.servers import MOCK_COMMAND, ServerProcess
from benchmarks.stats import describe, median, ratio
from benchmarks.throughput import DISTINCT_REQUESTS, MockFixture, ThroughputSizes, checker, prepare_mock

PATCHED_COMMAND = ("benchmarks.patched_mock",)


async def _round(fixture: MockFixture, spec: LoadSpec, members: int) -> tuple[float, float]:
    """One get_chat burst and one send_message burst: (round trips/s, frames delivered/s)."""
    get_frames = [frames.get_chat(i, frames.self_ref()).SerializeToString() for i in range(1, DISTINCT_REQUESTS + 1)]
    ref = frames.group_ref(fixture.group_id)
    send_frames = [frames.send_message(i, ref, f"hello {i}").SerializeToString() for i in range(1, 1025)]
    get = await run_load(fixture.reader, Workload(get_frames, frames.is_rpc_result, checker("chat")), spec)
    send_workload = Workload(send_frames, frames.is_rpc_result, checker("sent_message"), 1 + members)
    send = await run_load(fixture.sender, send_workload, spec, fixture.members)
    return get.round_trips_per_s, send.frames_per_s


async def _measure(sizes: ThroughputSizes) -> Measured:
    async with (
        ServerProcess((*MOCK_COMMAND, "--log-level", "WARNING")) as as_is_server,
        ServerProcess((*PATCHED_COMMAND, "--log-level", "WARNING")) as patched_server,
        client_session() as session,
    ):
        as_is = await prepare_mock(session, as_is_server.url, sizes.group_members)
        patched = await prepare_mock(session, patched_server.url, sizes.group_members)
        await _round(as_is, sizes.warmup, sizes.group_members)
        await _round(patched, sizes.warmup, sizes.group_members)
        samples: dict[str, list[tuple[float, float]]] = {"as-is": [], "patched": []}
        for round_index in range(sizes.rounds):
            sides = [("as-is", as_is), ("patched", patched)]
            for name, fixture in sides if round_index % 2 == 0 else reversed(sides):
                samples[name].append(await _round(fixture, sizes.load, sizes.group_members))
    gets = {name: [get for get, _ in values] for name, values in samples.items()}
    sends = {name: [send for _, send in values] for name, values in samples.items()}
    figures = [
        Figure(
            "get_chat rt/s, batched writer / as-is",
            ratio(median(gets["patched"]), median(gets["as-is"])),
            "ratio",
            detail=f"patched {describe(gets['patched'], 'rt/s')}; as-is {describe(gets['as-is'], 'rt/s')}",
        ),
        Figure(
            f"send_message to {sizes.group_members} frames/s, batched writer / as-is",
            ratio(median(sends["patched"]), median(sends["as-is"])),
            "ratio",
            detail=f"patched {describe(sends['patched'], 'frames/s')}; as-is {describe(sends['as-is'], 'frames/s')}",
        ),
    ]
    notes = ["what-if only: the patch is applied in memory by python -m benchmarks.patched_mock, never shipped"]
    return Measured(figures, notes)


def measure(quick: bool) -> Measured:
    return asyncio.run(_measure(ThroughputSizes.choose(quick)))


def main(argv: list[str] | None = None) -> int:
    return module_main("whatif", "whatif", measure, argv)


if __name__ == "__main__":
    sys.exit(main())
