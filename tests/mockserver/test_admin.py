"""The control API under /__admin/: every endpoint, ids as strings, bad input answered 400 with a message."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from mockserver.embedded import EmbeddedServer
from tests.mockserver.transport_support import FakeService, connect, fake_server, request, run


@pytest.fixture
def served() -> Iterator[tuple[EmbeddedServer, FakeService]]:
    with fake_server(clock_start_ms=1_800_000_000_000) as pair:
        yield pair


def http(server: EmbeddedServer, method: str, name: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
    async def exchange() -> tuple[int, Any]:
        async with aiohttp.ClientSession() as session:
            data = raw if raw is not None else None
            json_body = body if raw is None else None
            async with session.request(method, f"{server.admin_url}/{name}", json=json_body, data=data) as response:
                return response.status, await response.json()

    result: tuple[int, Any] = run(exchange)
    return result


def test_capabilities_with_and_without_a_virtual_clock(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served
    assert http(server, "GET", "capabilities") == (
        200,
        {"capabilities": ["sign-up", "clock-control", "seed-users", "multi-device", "raw-frames", "admin"]},
    )
    with fake_server(virtual_clock=False) as (real_time, _):
        status, body = http(real_time, "GET", "capabilities")
        assert status == 200
        assert "clock-control" not in body["capabilities"]
        assert http(real_time, "GET", "clock")[1]["virtual"] is False
        status, body = http(real_time, "POST", "clock", {"advance_ms": 5})
        assert status == 409
        assert "virtual clock" in body["error"]


def test_clock_read_set_advance(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served
    assert http(server, "GET", "clock") == (200, {"now_ms": 1_800_000_000_000, "virtual": True})
    assert http(server, "POST", "clock", {"advance_ms": 60_000}) == (200, {"now_ms": 1_800_000_060_000})
    assert http(server, "POST", "clock", {"set_ms": 1_900_000_000_000}) == (200, {"now_ms": 1_900_000_000_000})
    assert http(server, "GET", "clock")[1]["now_ms"] == 1_900_000_000_000


@pytest.mark.parametrize(
    "body",
    [{}, {"advance_ms": -1}, {"set_ms": "soon"}, {"advance_ms": 1, "set_ms": 2}, {"advance_ms": True}, [1]],
)
def test_bad_clock_input_is_400_with_a_message(served: tuple[EmbeddedServer, FakeService], body: Any) -> None:
    server, _ = served
    status, answer = http(server, "POST", "clock", body)
    assert status == 400
    assert isinstance(answer["error"], str) and answer["error"]


def test_invalid_json_is_400(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served
    status, answer = http(server, "POST", "users", raw=b"{not json")
    assert status == 400
    assert "not valid JSON" in answer["error"]


def test_seed_users_returns_ids_as_strings(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served
    user = {"name": "Ann", "username": "ann", "email": "ann@example.test", "password": "pw-123456"}
    assert http(server, "POST", "users", {"users": [user]}) == (
        200,
        {"users": [{"id": "7", "session_id": "70", "token": "user:7"}]},
    )


@pytest.mark.parametrize(
    ("body", "mentions"),
    [
        ({"users": "Ann"}, "expected"),
        ({"users": [{"name": "Ann"}]}, "'email'"),
        ({"users": [{"name": "Ann", "email": "a@x", "password": "p", "age": 3}]}, "unknown key"),
        ({"users": [{"name": "Ann", "email": "a@x", "password": "p", "username": 5}]}, "'username'"),
    ],
)
def test_bad_seed_input_is_400_naming_the_problem(
    served: tuple[EmbeddedServer, FakeService], body: Any, mentions: str
) -> None:
    server, _ = served
    status, answer = http(server, "POST", "users", body)
    assert status == 400
    assert mentions in answer["error"]


def test_state_renders_big_ints_as_strings(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served
    status, state = http(server, "GET", "state")
    assert status == 200
    assert state["users"] == [{"id": str((1 << 60) + 1)}]
    assert state["calls"] == 0


def test_reset_resets_the_domain_and_closes_sockets_1012(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, service = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, server.url)
            await client.initialize()
            async with session.post(f"{server.admin_url}/reset") as response:
                assert response.status == 200
            closing = await client.closed()
            assert closing.data == 1012

    run(body)
    assert service.resets == 1


def test_frames_journal_is_off_by_default_then_records_decoded_frames(
    served: tuple[EmbeddedServer, FakeService],
) -> None:
    server, _ = served

    async def exchange() -> None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, server.url)
            await client.initialize()

    run(exchange)
    status, journal = http(server, "GET", "frames")
    assert (status, journal["enabled"], journal["frames"]) == (200, False, [])
    assert http(server, "POST", "frames", {"enabled": True, "limit": 3}) == (200, {"enabled": True, "limit": 3})
    run(exchange)
    frames = http(server, "GET", "frames")[1]["frames"]
    assert [(frame["direction"], frame["text"]) for frame in frames] == [
        ("in", "id: 1 core_initialize { }"),
        ("out", "id: 1 result { req_id: 1 initialized { entrypoints { } } }"),
    ]
    assert bytes.fromhex(frames[0]["hex"]) == request(1, "core_initialize").SerializeToString()
    assert frames[0]["conn"] == frames[1]["conn"]
    assert len(http(server, "GET", "frames?limit=1")[1]["frames"]) == 1
    run(exchange)
    assert len(http(server, "GET", "frames")[1]["frames"]) == 3  # bounded: the newest 3
    assert http(server, "GET", "frames?limit=zero")[0] == 400
    assert http(server, "DELETE", "frames")[0] == 200
    assert http(server, "GET", "frames")[1]["frames"] == []


def test_fault_drop_close_and_delay(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served
    assert http(server, "POST", "faults", {"rpc": "chats_get_chats", "action": "drop", "times": 1})[0] == 200
    assert http(server, "POST", "faults", {"rpc": "chats_get_chat", "action": "close", "close_code": 4000})[0] == 200
    assert http(server, "POST", "faults", {"rpc": "users_get_profile", "action": "delay", "delay_ms": 1})[0] == 200
    assert len(http(server, "GET", "faults")[1]["faults"]) == 3

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, server.url)
            await client.initialize()
            await client.send(request(10, "chats_get_chats"))  # dropped: never answered
            await client.call(request(11, "chats_get_chats"))  # the next one is (times: 1); this is the barrier
            await client.call(request(12, "users_get_profile"))  # delayed, then answered
            await client.send(request(13, "chats_get_chat"))
            closing = await client.closed()
            assert closing.data == 4000

    run(body)
    assert http(server, "DELETE", "faults") == (200, {"faults": []})


@pytest.mark.parametrize(
    "fault",
    [
        {"rpc": "chats_nope", "action": "drop"},
        {"rpc": "chats_get_chats", "action": "explode"},
        {"rpc": "chats_get_chats", "action": "delay"},
        {"rpc": "chats_get_chats", "action": "close", "close_code": 1005},
        {"rpc": "chats_get_chats", "action": "drop", "times": 0},
        {"rpc": "chats_get_chats", "action": "drop", "extra": 1},
    ],
)
def test_bad_fault_is_400(served: tuple[EmbeddedServer, FakeService], fault: dict[str, Any]) -> None:
    server, _ = served
    status, answer = http(server, "POST", "faults", fault)
    assert status == 400
    assert answer["error"]


def test_connections_lists_open_sockets_and_recent_closes(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, server.url)
            await client.initialize()
            await client.authorize(5)
            listing = await (await session.get(f"{server.admin_url}/connections")).json()
            assert listing["open"] == [{"conn": 1, "initialized": True, "no_subscribe": False, "user_id": "5"}]
            (connection,) = await asyncio.to_thread(server.call, server.server.registry.all)
            await client.ws.send_str("text")
            await client.closed()
            await asyncio.to_thread(server.call, connection.finished.wait)

    run(body)
    closed = http(server, "GET", "connections")[1]["closed"]
    assert {"conn": 1, "code": 1003, "reason": "text frames are not supported"} in closed


def test_admin_is_absent_when_not_enabled() -> None:
    with fake_server(admin=False) as (server, _):

        async def probe() -> int:
            async with aiohttp.ClientSession() as session, session.get(f"{server.admin_url}/capabilities") as response:
                return response.status

        assert run(probe) == 404
