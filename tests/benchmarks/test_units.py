"""Unit tests of the benchmark helpers that decide what a figure means (no servers, no timing)."""

from __future__ import annotations

import asyncio

import pytest

from benchmarks import frames
from benchmarks.loadgen import LoadSpec, Workload, run_load
from benchmarks.suite_speed import DURATION_LINE, SUMMARY_COUNTS
from benchmarks.thread_profile import area_of
from osmiumwire import core_pb2, updates_pb2


@pytest.mark.parametrize("server_id", [0, 1, 127, 128, 300, 2**32 - 1])
def test_is_rpc_result_tells_results_from_updates_whatever_the_id(server_id: int) -> None:
    result = core_pb2.ServerMessage(id=server_id, result=core_pb2.RPCResult(req_id=7)).SerializeToString()
    update = core_pb2.ServerMessage(id=server_id, update=updates_pb2.Update()).SerializeToString()
    assert frames.is_rpc_result(result)
    assert not frames.is_rpc_result(update)


def test_is_rpc_result_on_an_empty_or_truncated_frame_is_false() -> None:
    assert not frames.is_rpc_result(b"")
    assert not frames.is_rpc_result(bytes([frames.SERVER_MESSAGE_ID_TAG, 0x80]))


def test_check_result_rejects_errors_and_other_members() -> None:
    error = core_pb2.ServerMessage(id=1)
    error.result.error.error_code = 403
    with pytest.raises(frames.RpcFailed, match="403"):
        frames.check_result(error.SerializeToString(), "chat")
    sent = core_pb2.ServerMessage(id=2)
    sent.result.sent_message.message_id = 5
    with pytest.raises(frames.RpcFailed, match="sent_message"):
        frames.check_result(sent.SerializeToString(), "chat")
    assert frames.check_result(sent.SerializeToString(), "sent_message").sent_message.message_id == 5


class LoopbackConnection:
    """A stand-in for `Connection` that answers every frame at once with `replies_per_request` frames."""

    def __init__(self, replies_per_request: int = 1) -> None:
        self.replies_per_request = replies_per_request
        self.sink: object = None
        self.sent = 0
        self.in_flight: set[asyncio.Future[None]] = set()

    def set_sink(self, sink: object) -> None:
        self.sink = sink

    async def send(self, frame: bytes) -> None:
        self.sent += 1
        for _ in range(self.replies_per_request):
            asyncio.get_running_loop().call_soon(self._deliver, frame)

    def _deliver(self, frame: bytes) -> None:
        assert callable(self.sink)
        task = asyncio.ensure_future(self.sink(frame))
        self.in_flight.add(task)
        task.add_done_callback(self.in_flight.discard)


def test_run_load_stops_at_max_requests_and_counts_every_frame() -> None:
    connection = LoopbackConnection(replies_per_request=1)
    workload = Workload([b"a", b"b"], lambda frame: True)
    result = asyncio.run(run_load(connection, workload, LoadSpec(window=4, max_requests=50, max_seconds=60)))  # type: ignore[arg-type]
    assert result.requests == 50 == connection.sent
    assert result.frames == 50
    assert result.round_trips_per_s > 0


def test_run_load_reports_a_failed_sample_check() -> None:
    connection = LoopbackConnection()

    def refuse(frame: bytes) -> None:
        raise frames.RpcFailed("server answered 500")

    workload = Workload([b"a"], lambda frame: True, refuse)
    with pytest.raises(frames.RpcFailed, match="500"):
        asyncio.run(run_load(connection, workload, LoadSpec(window=2, max_requests=10, max_seconds=60)))  # type: ignore[arg-type]


def test_duration_and_summary_lines_are_parsed() -> None:
    match = DURATION_LINE.match("0.12s call     cases/groups/create.yaml::groups.create.owner")
    assert match is not None
    assert (match["seconds"], match["phase"], match["node"]) == (
        "0.12",
        "call",
        "cases/groups/create.yaml::groups.create.owner",
    )
    counts = {m["kind"]: int(m["count"]) for m in SUMMARY_COUNTS.finditer("3 failed, 398 passed, 1 error in 20.1s")}
    assert counts == {"failed": 3, "passed": 398, "error": 1}


@pytest.mark.parametrize(
    ("filename", "function", "area"),
    [
        ("/work/main/conformance/runner/runner.py", "run", "conformance"),
        ("/work/main/mockserver/domain/posting.py", "post", "mockserver"),
        ("~", "<method 'poll' of 'select.epoll' objects>", "idle"),
        ("/venv/site-packages/yaml/scanner.py", "scan", "yaml"),
        ("~", "<method 'send' of '_socket.socket' objects>", "socket"),
        ("/somewhere/else.py", "f", "other"),
    ],
)
def test_profile_areas(filename: str, function: str, area: str) -> None:
    assert area_of(filename, function) == area
