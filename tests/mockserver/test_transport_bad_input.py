"""Every row of the bad-input table (issue 3), through a real socket: each gets its answer, the socket (or the
server) keeps serving."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import aiohttp
import pytest

from mockserver.domain.contract import Caller, Outcome
from mockserver.embedded import EmbeddedServer
from osmiumwire import core_pb2
from tests.mockserver.transport_support import FakeService, WireClient, connect, fake_server, request, run

MAX_FRAME = 4096


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[EmbeddedServer, FakeService]]:
    with fake_server(max_frame_bytes=MAX_FRAME) as pair:
        yield pair


def heartbeat(req_id: int = 1) -> bytes:
    return core_pb2.ClientMessage(id=req_id).SerializeToString()


async def initialized(session: aiohttp.ClientSession, url: str) -> WireClient:
    client = await connect(session, url)
    await client.initialize()
    return client


def assert_error(answer: core_pb2.ServerMessage, req_id: int, code: int) -> None:
    assert answer.WhichOneof("message") == "result"
    assert answer.result.req_id == req_id
    assert answer.result.WhichOneof("result") == "error", answer
    assert answer.result.error.error_code == code


@pytest.mark.parametrize(
    ("frame", "req_id"),
    [
        pytest.param(b"\x08\x2a\xff\xff\xff", 42, id="corrupt-after-id"),
        pytest.param(b"\xff\xff\xff", 0, id="corrupt-no-id"),
        pytest.param(b"\x08\x07\x1a\x04\x0a\x02\xff\xfe", 7, id="bad-utf8"),
        pytest.param(b"\x08\x09" + b"\xa3\x06" * 200 + b"\xa4\x06" * 200, 9, id="nesting-too-deep"),
    ],
)
def test_malformed_frame_gets_400_with_readable_req_id_and_socket_stays_open(
    served: tuple[EmbeddedServer, FakeService], frame: bytes, req_id: int
) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await initialized(session, server.url)
            await client.ws.send_bytes(frame)
            assert_error(await client.receive(), req_id, 400)
            result = await client.call(request(11, "chats_get_chats"))  # still served
            assert result.WhichOneof("result") is None

    run(body)


def test_heartbeat_gets_no_reply(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await initialized(session, server.url)
            await client.ws.send_bytes(heartbeat())
            await client.send(request(12, "chats_get_chats"))
            answer = await client.receive()  # the round trip is the barrier: had the heartbeat been answered,
            assert answer.result.req_id == 12  # its reply would have come first
            assert answer.id == 2  # and consumed a ServerMessage id

    run(body)


def test_heartbeat_before_initialize_is_also_silent(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, server.url)
            await client.ws.send_bytes(heartbeat())
            await client.initialize()  # asserts the next frame is the initialize result

    run(body)


def test_unknown_member_gets_501_with_its_req_id(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served
    out_of_scope = b"\x08\x33" + b"\xa2\x06\x02\x08\x01"  # id 51, field 100 (outside the chats scope)

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await initialized(session, server.url)
            await client.authorize(5)
            await client.ws.send_bytes(out_of_scope)
            assert_error(await client.receive(), 51, 501)

    run(body)


def test_unknown_member_before_auth_is_401_and_before_initialize_400(
    served: tuple[EmbeddedServer, FakeService],
) -> None:
    server, _ = served
    out_of_scope = b"\x08\x34" + b"\xa2\x06\x00"

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, server.url)
            await client.ws.send_bytes(out_of_scope)
            assert_error(await client.receive(), 52, 400)
            await client.initialize()
            await client.ws.send_bytes(out_of_scope)
            assert_error(await client.receive(), 52, 401)

    run(body)


def test_text_frame_closes_1003(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await initialized(session, server.url)
            await client.ws.send_str("hello")
            closing = await client.closed()
            assert closing.type is aiohttp.WSMsgType.CLOSE
            assert closing.data == 1003
            other = await initialized(session, server.url)  # the server keeps serving others
            await other.call(request(3, "chats_get_chats"))

    run(body)


def test_frame_over_the_limit_closes_1009(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served
    oversized = request(8, "auth_sign_up", name="x" * MAX_FRAME).SerializeToString()

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await initialized(session, server.url)
            await client.ws.send_bytes(oversized)
            closing = await client.closed()
            assert closing.type is aiohttp.WSMsgType.CLOSE
            assert closing.data == 1009

    run(body)


def test_frame_at_the_limit_is_served(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served
    sizes = {len(request(8, "auth_sign_up", name="x" * n).SerializeToString()): n for n in range(MAX_FRAME)}
    at_limit = request(8, "auth_sign_up", name="x" * sizes[MAX_FRAME]).SerializeToString()
    assert len(at_limit) == MAX_FRAME

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await initialized(session, server.url)
            await client.ws.send_bytes(at_limit)
            answer = await client.receive()
            assert answer.result.req_id == 8

    run(body)


def test_rpc_before_initialize_is_400_and_second_initialize_is_400(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, server.url)
            await client.send(request(4, "chats_get_chats"))
            assert_error(await client.receive(), 4, 400)
            await client.initialize()
            await client.send(request(5, "core_initialize"))
            assert_error(await client.receive(), 5, 400)

    run(body)


def test_initialized_has_empty_entrypoints_and_no_vapid_key(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, server.url)
            result = await client.call(request(77, "core_initialize"))
            assert result.initialized.HasField("entrypoints")
            assert len(result.initialized.entrypoints.entrypoints) == 0
            assert not result.initialized.HasField("vapid_public_key")

    run(body)


def test_exception_in_the_domain_is_500_and_the_connection_stays(
    served: tuple[EmbeddedServer, FakeService], caplog: pytest.LogCaptureFixture
) -> None:
    server, service = served

    def explode(caller: Caller, message: core_pb2.ClientMessage) -> Outcome:
        if message.WhichOneof("message") == "chats_get_chat":
            raise RuntimeError("boom (deliberate, from a test)")
        return Outcome(result=core_pb2.RPCResult())

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await initialized(session, server.url)
            await client.send(request(21, "chats_get_chat"))
            assert_error(await client.receive(), 21, 500)
            result = await client.call(request(22, "chats_get_chats"))
            assert result.WhichOneof("result") is None

    service.handler = explode
    try:
        with caplog.at_level(logging.ERROR, logger="mockserver.transport"):
            run(body)
    finally:
        service.handler = lambda caller, message: Outcome(result=core_pb2.RPCResult())
    failures = [record for record in caplog.records if "domain failed on chats_get_chat" in record.getMessage()]
    assert len(failures) == 1
    assert failures[0].exc_info is not None  # logged with its traceback


def test_server_message_ids_count_every_frame_from_1(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, server.url)
            await client.send(request(1, "chats_get_chats"))  # error frames count too
            await client.send(request(2, "core_initialize"))
            await client.ws.send_bytes(b"\xff")
            await client.send(request(3, "chats_get_chats"))
            ids = [(await client.receive()).id for _ in range(4)]
            assert ids == [1, 2, 3, 4]

    run(body)


def test_req_id_is_echoed_verbatim_including_0_and_max(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await initialized(session, server.url)
            for req_id in (0, 0xFFFFFFFF, 12, 12):
                await client.call(request(req_id, "chats_get_chats"))

    run(body)


def test_plain_http_on_the_websocket_path_is_426(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        url = server.url.replace("ws://", "http://")
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 426
            assert "WebSocket" in await response.text()

    run(body)
