"""Where the mock's time goes on its hot paths: cProfile of the server process under load.

For each workload the mock runs as `python -m benchmarks.profiled_mock --profile-out FILE --port 0` (the
real CLI under cProfile, profile written at SIGTERM) and this process drives it with the throughput
benchmark's closed loop: `chats_get_chat` on one socket, then `messages_send_message` to a group of 10.
Figures: the server's busy CPU per request (inflated by the profiler, so compare shares, not absolutes)
and the share of busy time per area; notes list the heaviest functions. One more figure needs no profiler:
the domain core's own time for that `chats_get_chat`, `ChatService.handle` called in-process.
"""

from __future__ import annotations

import asyncio
import pstats
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from benchmarks import frames
from benchmarks.connection import Connection, client_session, signed_up
from benchmarks.domain_driver import DomainDriver
from benchmarks.harness import Measured, module_main
from benchmarks.loadgen import LoadSpec, Workload, run_load
from benchmarks.pages import time_batch
from benchmarks.results import Figure
from benchmarks.servers import ServerProcess
from benchmarks.stats import median
from benchmarks.thread_profile import summarise

GROUP_MEMBERS = 10
SERVER_AREAS: tuple[tuple[str, str], ...] = (
    ("idle", "method 'poll' of 'select.epoll'"),
    ("idle", "method 'acquire' of '_thread."),
    ("idle", "built-in method time.sleep"),
    ("mock domain", "/mockserver/domain/"),
    ("mock transport", "/mockserver/"),
    ("protobuf", "google/protobuf"),
    ("protobuf", "google._upb"),
    ("protobuf", "/osmiumwire/"),
    ("aiohttp", "/aiohttp/"),
    ("socket syscalls", "_socket.socket"),
    ("asyncio", "/asyncio/"),
    ("asyncio", "selectors.py"),
    ("asyncio", "_contextvars.Context"),
)
SHOWN_AREAS = ("mock domain", "mock transport", "protobuf", "aiohttp", "asyncio", "socket syscalls")


@dataclass(frozen=True)
class HotpathSizes:
    requests: int
    domain_batches: int
    domain_batch: int

    @classmethod
    def choose(cls, quick: bool) -> HotpathSizes:
        if quick:
            return cls(requests=300, domain_batches=2, domain_batch=200)
        return cls(requests=10_000, domain_batches=9, domain_batch=20_000)


def domain_get_chat(sizes: HotpathSizes) -> Figure:
    """`ChatService.handle` for the benchmark's get_chat (saved messages holding one message), no transport."""
    driver = DomainDriver()
    reader = driver.sign_up("hot reader")
    driver.call(reader, frames.send_message(1, frames.self_ref(), "note"))
    request = frames.get_chat(2, frames.self_ref())
    driver.call(reader, request)  # raises if the domain refuses it

    def call() -> object:
        return driver.service.handle(reader, request)

    samples = [time_batch(call, sizes.domain_batch) for _ in range(sizes.domain_batches)]
    return Figure(
        "get_chat: domain time per call (in-process)",
        min(samples) * 1e6,
        "us",
        detail=f"fastest of {sizes.domain_batches} batches of {sizes.domain_batch}; median "
        f"{median(samples) * 1e6:.2f} us",
    )


def _check(member: str) -> Callable[[bytes], None]:
    def check(frame: bytes) -> None:
        frames.check_result(frame, member)

    return check


async def _drive_get_chat(session: aiohttp.ClientSession, url: str, requests: int) -> int:
    reader, _ = await signed_up(session, url, "hot reader")
    await reader.call_ok(frames.send_message(reader.next_id(), frames.self_ref(), "note"), "sent_message")
    batch = [frames.get_chat(index, frames.self_ref()).SerializeToString() for index in range(1, 1025)]
    result = await run_load(
        reader, Workload(batch, frames.is_rpc_result, _check("chat")), LoadSpec(64, requests, 120.0)
    )
    await reader.close()
    return result.requests


async def _drive_send_message(session: aiohttp.ClientSession, url: str, requests: int) -> int:
    sender, _ = await signed_up(session, url, "hot sender")
    others = [await signed_up(session, url, f"hot member {index}") for index in range(GROUP_MEMBERS - 1)]
    created = await sender.call_ok(frames.create_group(sender.next_id(), "hot", [uid for _, uid in others]), "group")
    watchers: list[Connection] = [connection for connection, _ in others]
    for watcher in watchers:
        await watcher.call_ok(frames.get_chat(watcher.next_id(), frames.self_ref()), "chat")
    ref = frames.group_ref(created.group.id)
    batch = [frames.send_message(index, ref, f"hot {index}").SerializeToString() for index in range(1, 1025)]
    workload = Workload(batch, frames.is_rpc_result, _check("sent_message"), 1 + GROUP_MEMBERS)
    result = await run_load(sender, workload, LoadSpec(64, requests, 120.0), watchers)
    for connection in (sender, *watchers):
        await connection.close()
    return result.requests


Driver = Callable[[aiohttp.ClientSession, str, int], Any]


async def _profile(driver: Driver, requests: int, out: Path) -> int:
    command = ("benchmarks.profiled_mock", "--profile-out", str(out), "--log-level", "WARNING")
    async with ServerProcess(command) as server, client_session() as session:
        served: int = await driver(session, server.url, requests)
    return served


def _figures_for(label: str, summary: dict[str, Any], requests: int) -> tuple[list[Figure], list[str]]:
    areas: dict[str, float] = summary["areas"]
    busy = sum(seconds for area, seconds in areas.items() if area != "idle")
    figures = [Figure(f"{label}: server busy time per request (profiled)", busy / requests * 1e6, "us")]
    for area in SHOWN_AREAS:
        figures.append(Figure(f"{label}: {area} share", areas.get(area, 0.0) / busy * 100, "%"))
    top = "; ".join(f"{where.rsplit('/', 1)[-1]} {seconds / busy * 100:.0f}%" for seconds, where in summary["top"][:8])
    return figures, [f"{label} heaviest own time: {top}"]


def measure(quick: bool) -> Measured:
    sizes = HotpathSizes.choose(quick)
    figures: list[Figure] = []
    notes = ["server: python -m benchmarks.profiled_mock (osmium-mock under cProfile); 64 requests in flight"]
    workloads: list[tuple[str, Driver]] = [
        ("get_chat", _drive_get_chat),
        (f"send_message to {GROUP_MEMBERS}", _drive_send_message),
    ]
    figures.append(domain_get_chat(sizes))
    with tempfile.TemporaryDirectory() as scratch:
        for index, (label, driver) in enumerate(workloads):
            out = Path(scratch) / f"profile-{index}.prof"
            served = asyncio.run(_profile(driver, sizes.requests, out))
            summary = summarise(pstats.Stats(str(out)), SERVER_AREAS, top_n=8)
            more_figures, more_notes = _figures_for(label, summary, served)
            figures += more_figures
            notes += more_notes
    return Measured(figures, notes)


def main(argv: list[str] | None = None) -> int:
    return module_main("hotpath", "hotpath", measure, argv)


if __name__ == "__main__":
    sys.exit(main())
