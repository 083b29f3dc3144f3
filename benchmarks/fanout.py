"""Fan-out: time from one `messages_send_message` to the last of N connected group members receiving it.

The mock runs as its own process (`python -m mockserver --port 0 --no-service-messages`: without JOIN
service messages, creating a 1,000-member group costs 2,000 setup frames instead of a million); this
process holds all N sockets (the sender is one of the members). Each trial sends one message with a unique
text and stamps, per socket, the arrival of the `message_created` carrying it. The time includes this
client reading N frames on one core, so it is an upper bound of the server's own fan-out time.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field

import aiohttp

from benchmarks import frames
from benchmarks.connection import Connection, FrameSink, client_session, signed_up
from benchmarks.harness import Measured, module_main
from benchmarks.results import Figure
from benchmarks.servers import MOCK_COMMAND, ServerProcess
from benchmarks.stats import median

SETUP_CONCURRENCY = 50
TRIAL_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class FanoutSizes:
    members: int
    trials: int

    @classmethod
    def choose(cls, quick: bool) -> FanoutSizes:
        return cls(members=20, trials=2) if quick else cls(members=1000, trials=9)


@dataclass
class Trial:
    """Arrival stamps of one message on every member socket."""

    text: str
    members: int
    arrivals: dict[int, float] = field(default_factory=dict)
    complete: asyncio.Event = field(default_factory=asyncio.Event)

    def arrived(self, member: int, frame: bytes) -> None:
        if frames.is_rpc_result(frame) or member in self.arrivals:
            return
        update = frames.decode(frame).update
        if update.WhichOneof("update") == "message_created" and update.message_created.message.message == self.text:
            self.arrivals[member] = time.perf_counter()
            if len(self.arrivals) == self.members:
                self.complete.set()


class Group:
    """N signed-up sockets that are all members of one group; member 0 owns it and sends."""

    def __init__(self, connections: list[Connection], group_id: int) -> None:
        self.connections = connections
        self.group_id = group_id
        self.current: Trial | None = None
        for member, connection in enumerate(connections):
            connection.set_sink(self._sink_for(member))

    def _sink_for(self, member: int) -> FrameSink:
        async def sink(frame: bytes) -> None:
            if self.current is not None:
                self.current.arrived(member, frame)

        return sink

    async def run_trial(self, text: str) -> tuple[float, float]:
        """Send one message; seconds from send to the first and to the last member receiving it."""
        trial = Trial(text, len(self.connections))
        self.current = trial
        request = frames.send_message(1, frames.group_ref(self.group_id), text).SerializeToString()
        started = time.perf_counter()
        await self.connections[0].send(request)
        try:
            await asyncio.wait_for(trial.complete.wait(), TRIAL_TIMEOUT_S)
        except TimeoutError:
            raise TimeoutError(f"{text!r}: {len(trial.arrivals)}/{trial.members} members received it") from None
        self.current = None
        return min(trial.arrivals.values()) - started, max(trial.arrivals.values()) - started


async def build_group(session: aiohttp.ClientSession, url: str, members: int) -> Group:
    limit = asyncio.Semaphore(SETUP_CONCURRENCY)

    async def member(index: int) -> tuple[Connection, int]:
        async with limit:
            return await signed_up(session, url, f"fan member {index}")

    joined = await asyncio.gather(*(member(index) for index in range(members)))
    owner = joined[0][0]
    others = [user_id for _, user_id in joined[1:]]
    created = await owner.call_ok(frames.create_group(owner.next_id(), "fan-out", others), "group")
    return Group([connection for connection, _ in joined], created.group.id)


async def _measure(sizes: FanoutSizes) -> Measured:
    async with (
        ServerProcess((*MOCK_COMMAND, "--no-service-messages", "--log-level", "WARNING")) as server,
        client_session() as session,
    ):
        setup_started = time.perf_counter()
        group = await build_group(session, server.url, sizes.members)
        await group.run_trial("warm-up")  # also proves every setup frame before it has been read
        setup_s = time.perf_counter() - setup_started
        firsts: list[float] = []
        lasts: list[float] = []
        for trial in range(sizes.trials):
            first, last = await group.run_trial(f"fan-out trial {trial}")
            firsts.append(first)
            lasts.append(last)
        for connection in group.connections:
            await connection.close()
    n = sizes.members
    last_ms = median(lasts) * 1e3
    figures = [
        Figure(
            f"send -> last of {n:,} members",
            last_ms,
            "ms",
            detail=f"median of {sizes.trials} trials, min {min(lasts) * 1e3:.1f}, max {max(lasts) * 1e3:.1f}",
        ),
        Figure(f"send -> first of {n:,} members", median(firsts) * 1e3, "ms"),
        Figure("fan-out cost per member", last_ms * 1e3 / n, "us", detail="(send -> last) / members"),
    ]
    notes = [
        f"mock: separate process with --no-service-messages; {n:,} sockets in this client process "
        f"(setup {setup_s:.0f}s); one message in flight at a time",
    ]
    return Measured(figures, notes)


def measure(quick: bool) -> Measured:
    return asyncio.run(_measure(FanoutSizes.choose(quick)))


def main(argv: list[str] | None = None) -> int:
    return module_main("fanout", "fanout", measure, argv)


if __name__ == "__main__":
    sys.exit(main())
