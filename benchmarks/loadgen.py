"""The load-generating client: a fixed number of requests in flight on one connection (closed loop).

Every reply on the sending socket releases the next request, so the server always has `window` requests
to work on and the rate measured is the server's (plus a constant client cost per frame, identical for
the echo and the mock). Runs are bounded both in requests and in seconds. Frames on other sockets (the
members of a group receiving the message) are counted by watcher sinks; a run ends when every expected
frame has arrived, so `frames_per_s` counts delivered frames, not sent requests.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from benchmarks.connection import Connection

SAMPLE_CHECK_EVERY = 512
COMPLETION_GRACE_S = 30.0


@dataclass(frozen=True)
class LoadSpec:
    """How hard and how long to push: `window` requests in flight, at most `max_requests` or `max_seconds`."""

    window: int = 64
    max_requests: int = 50_000
    max_seconds: float = 2.0


@dataclass(frozen=True)
class LoadResult:
    requests: int
    frames: int
    seconds: float

    @property
    def round_trips_per_s(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else float("nan")

    @property
    def frames_per_s(self) -> float:
        return self.frames / self.seconds if self.seconds > 0 else float("nan")


class LoadIncomplete(Exception):
    """The server did not deliver every expected frame within the grace period."""


@dataclass(frozen=True)
class Workload:
    """What to send and how to read the answers.

    `requests` are pre-encoded frames sent in a cycle; `is_reply` tells a reply to a request from an update
    on the sending socket; `check_reply` (sampled) raises if a reply is not what the request asked for;
    `frames_per_request` is how many frames, across the sender and the watchers, one request produces.
    """

    requests: Sequence[bytes]
    is_reply: Callable[[bytes], bool]
    check_reply: Callable[[bytes], None] | None = None
    frames_per_request: int = 1


class _Run:
    def __init__(self, sender: Connection, workload: Workload, spec: LoadSpec) -> None:
        self.sender = sender
        self.workload = workload
        self.spec = spec
        self.sent = 0
        self.replies = 0
        self.frames = 0
        self.issuing = True
        self.deadline = 0.0
        self.started = 0.0
        self.finished = 0.0
        self.done = asyncio.Event()
        self.error: BaseException | None = None

    async def send_next(self) -> None:
        requests = self.workload.requests
        frame = requests[self.sent % len(requests)]
        self.sent += 1
        await self.sender.send(frame)

    async def on_sender_frame(self, frame: bytes) -> None:
        self.frames += 1
        if self.workload.is_reply(frame):
            self.replies += 1
            check = self.workload.check_reply
            if check is not None and (self.replies == 1 or self.replies % SAMPLE_CHECK_EVERY == 0):
                try:
                    check(frame)
                except Exception as error:  # reported by run_load, after the loop stops
                    self.error = error
                    self.done.set()
                    return
            if self.issuing:
                if self.sent < self.spec.max_requests and time.perf_counter() < self.deadline:
                    await self.send_next()
                else:
                    self.issuing = False
        self.check_complete()

    async def on_watcher_frame(self, frame: bytes) -> None:
        self.frames += 1
        self.check_complete()

    def check_complete(self) -> None:
        if self.issuing or self.replies < self.sent:
            return
        if self.frames >= self.sent * self.workload.frames_per_request and not self.done.is_set():
            self.finished = time.perf_counter()
            self.done.set()


async def run_load(
    sender: Connection, workload: Workload, spec: LoadSpec, watchers: Sequence[Connection] = ()
) -> LoadResult:
    """Run one closed-loop burst; the sinks of `sender` and `watchers` are restored afterwards."""
    run = _Run(sender, workload, spec)
    sender.set_sink(run.on_sender_frame)
    for watcher in watchers:
        watcher.set_sink(run.on_watcher_frame)
    try:
        run.started = time.perf_counter()
        run.deadline = run.started + spec.max_seconds
        for _ in range(min(spec.window, spec.max_requests)):
            await run.send_next()
        try:
            await asyncio.wait_for(run.done.wait(), spec.max_seconds + COMPLETION_GRACE_S)
        except TimeoutError:
            expected = run.sent * workload.frames_per_request
            raise LoadIncomplete(
                f"sent {run.sent} requests, got {run.replies} replies and {run.frames}/{expected} frames"
            ) from None
        if run.error is not None:
            raise run.error
    finally:
        sender.set_sink(None)
        for watcher in watchers:
            watcher.set_sink(None)
    return LoadResult(requests=run.sent, frames=run.frames, seconds=run.finished - run.started)
