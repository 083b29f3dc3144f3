"""Throughput floor ratio: the mock against a raw aiohttp echo of the same frames, alternating, one run.

Both servers run as separate processes (`python -m benchmarks.echo_server --port 0` and
`python -m mockserver --port 0`); this process is the client, so on 2 cores each side gets one.

* `chats_get_chat` (the caller's saved-messages chat, which holds one message): round trips/s with 64 in
  flight on one connection, mock / echo. The echo is sent the very same request frames.
* `messages_send_message` to a group of 10 connected members: frames delivered/s (the sender's result plus
  one `message_created` per member socket, the sender's own included) / the echo's frames/s on the same
  request frames.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from benchmarks import frames
from benchmarks.connection import Connection, client_session, signed_up
from benchmarks.harness import Measured, module_main
from benchmarks.loadgen import LoadResult, LoadSpec, Workload, run_load
from benchmarks.results import Figure, Goal
from benchmarks.servers import ECHO_COMMAND, MOCK_COMMAND, ServerProcess
from benchmarks.stats import describe, median, ratio
from osmiumwire import core_pb2

DISTINCT_REQUESTS = 4096
FLOOR_GOAL = Goal(">=", 0.5)


@dataclass(frozen=True)
class ThroughputSizes:
    rounds: int
    load: LoadSpec
    warmup: LoadSpec
    group_members: int

    @classmethod
    def choose(cls, quick: bool) -> ThroughputSizes:
        if quick:
            return cls(rounds=1, load=LoadSpec(64, 400, 0.5), warmup=LoadSpec(64, 64, 0.5), group_members=10)
        return cls(rounds=7, load=LoadSpec(64, 200_000, 1.2), warmup=LoadSpec(64, 2000, 1.0), group_members=10)


@dataclass
class Rates:
    """Rates of one workload, per server, one sample per round."""

    echo: list[float]
    mock: list[float]

    def ratio(self) -> float:
        return ratio(median(self.mock), median(self.echo))


def _always(_frame: bytes) -> bool:
    return True


def checker(member: str) -> Callable[[bytes], None]:
    """A sampled check that a reply is a successful result carrying `member`."""

    def check(frame: bytes) -> None:
        frames.check_result(frame, member)

    return check


@dataclass
class MockFixture:
    """The mock-side sockets: a reader of its own saved messages, and a group of members with a sender."""

    reader: Connection
    sender: Connection
    members: list[Connection]
    group_id: int
    get_chat_reply_bytes: int  # the mock's answer; the echo answers with the request frame itself


async def prepare_mock(session: aiohttp.ClientSession, url: str, members: int) -> MockFixture:
    reader, _ = await signed_up(session, url, "bench reader")
    await reader.call_ok(frames.send_message(reader.next_id(), frames.self_ref(), "note to self"), "sent_message")
    sender, _ = await signed_up(session, url, "bench sender")
    others = [await signed_up(session, url, f"bench member {index}") for index in range(members - 1)]
    created = await sender.call_ok(
        frames.create_group(sender.next_id(), "bench group", [user_id for _, user_id in others]), "group"
    )
    watchers = [connection for connection, _ in others]
    for watcher in watchers:  # a round trip on each socket: the group's setup updates are out of the way
        await watcher.call_ok(frames.get_chat(watcher.next_id(), frames.self_ref()), "chat")
    sample = await reader.call_ok(frames.get_chat(reader.next_id(), frames.self_ref()), "chat")
    return MockFixture(
        reader=reader,
        sender=sender,
        members=watchers,
        group_id=created.group.id,
        get_chat_reply_bytes=len(core_pb2.ServerMessage(id=1, result=sample).SerializeToString()),
    )


async def _measure(sizes: ThroughputSizes) -> Measured:
    get_chat_frames = [
        frames.get_chat(index, frames.self_ref()).SerializeToString() for index in range(1, DISTINCT_REQUESTS + 1)
    ]
    async with (
        ServerProcess(ECHO_COMMAND) as echo_server,
        ServerProcess(MOCK_COMMAND) as mock_server,
        client_session() as session,
    ):
        echo = await Connection.open(session, echo_server.url)
        mock = await prepare_mock(session, mock_server.url, sizes.group_members)
        send_frames = [
            frames.send_message(index, frames.group_ref(mock.group_id), f"hello {index}").SerializeToString()
            for index in range(1, DISTINCT_REQUESTS + 1)
        ]
        echo_get = Workload(get_chat_frames, _always)
        mock_get = Workload(get_chat_frames, frames.is_rpc_result, checker("chat"))
        echo_send = Workload(send_frames, _always)
        fan = 1 + sizes.group_members  # the sender's result, and one update on every member socket
        mock_send = Workload(send_frames, frames.is_rpc_result, checker("sent_message"), fan)

        async def echo_round(workload: Workload, spec: LoadSpec) -> LoadResult:
            return await run_load(echo, workload, spec)

        async def mock_get_round(spec: LoadSpec) -> LoadResult:
            return await run_load(mock.reader, mock_get, spec)

        async def mock_send_round(spec: LoadSpec) -> LoadResult:
            return await run_load(mock.sender, mock_send, spec, mock.members)

        # Warm-up (discarded): allocator, caches, and any setup frames still in flight.
        await echo_round(echo_get, sizes.warmup)
        await mock_get_round(sizes.warmup)
        await echo_round(echo_send, sizes.warmup)
        await mock_send_round(sizes.warmup)

        get_rates = Rates([], [])
        send_rates = Rates([], [])
        for round_index in range(sizes.rounds):
            echo_first = round_index % 2 == 0  # alternate the order so that drift hits both sides alike
            for side in ("echo", "mock") if echo_first else ("mock", "echo"):
                if side == "echo":
                    get_rates.echo.append((await echo_round(echo_get, sizes.load)).round_trips_per_s)
                    send_rates.echo.append((await echo_round(echo_send, sizes.load)).frames_per_s)
                else:
                    get_rates.mock.append((await mock_get_round(sizes.load)).round_trips_per_s)
                    send_rates.mock.append((await mock_send_round(sizes.load)).frames_per_s)
        for connection in (echo, mock.reader, mock.sender, *mock.members):
            await connection.close()

    window = sizes.load.window
    figures = [
        Figure(
            "get_chat rt/s, mock / echo",
            get_rates.ratio(),
            "ratio",
            FLOOR_GOAL,
            f"mock {describe(get_rates.mock, 'rt/s')}; echo {describe(get_rates.echo, 'rt/s')}",
        ),
        Figure("get_chat, mock", median(get_rates.mock), "round trips/s", detail=f"{window} in flight, 1 socket"),
        Figure("get_chat, echo", median(get_rates.echo), "round trips/s", detail=f"{window} in flight, 1 socket"),
        Figure(
            f"send_message to {sizes.group_members} members, frames/s mock / echo",
            send_rates.ratio(),
            "ratio",
            FLOOR_GOAL,
            f"mock {describe(send_rates.mock, 'frames/s')}; echo {describe(send_rates.echo, 'frames/s')}",
        ),
        Figure(
            f"send_message to {sizes.group_members} members, mock",
            median(send_rates.mock),
            "frames delivered/s",
            detail=f"{fan} frames per request",
        ),
        Figure("send_message frames, echo", median(send_rates.echo), "frames/s", detail="1 frame per request"),
    ]
    notes = [
        "servers: separate processes (python -m benchmarks.echo_server / python -m mockserver, --port 0); "
        "client: the benchmark process; loopback only",
        f"{sizes.rounds} alternating rounds of at most {sizes.load.max_requests} requests or "
        f"{sizes.load.max_seconds}s each, after a discarded warm-up",
        f"request frames: get_chat {len(get_chat_frames[-1])} B, send_message {len(send_frames[-1])} B; "
        f"the mock's get_chat reply is ~{mock.get_chat_reply_bytes} B (the echo replies with the request)",
    ]
    return Measured(figures, notes)


def measure(quick: bool) -> Measured:
    return asyncio.run(_measure(ThroughputSizes.choose(quick)))


def main(argv: list[str] | None = None) -> int:
    return module_main("throughput", "throughput", measure, argv)


if __name__ == "__main__":
    sys.exit(main())
