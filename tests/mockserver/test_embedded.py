"""The embedded server as the pytest plugin uses it, and the transport in front of the real domain core."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator

import aiohttp
import pytest

from mockserver.embedded import EmbeddedServer, EmbeddedServerError
from osmiumwire import core_pb2
from tests.mockserver.transport_support import WireClient, connect, request, run


@pytest.fixture(scope="module")
def server() -> Iterator[EmbeddedServer]:
    with EmbeddedServer() as embedded:
        yield embedded


def test_start_returns_a_ws_url_on_a_free_port_and_stop_is_idempotent() -> None:
    embedded = EmbeddedServer()
    url = embedded.start()
    assert url.startswith("ws://127.0.0.1:") and url == embedded.url
    assert embedded.start() == url  # already running: same server
    assert embedded.admin_url == url.replace("ws://", "http://").rstrip("/") + "/__admin"
    embedded.stop()
    embedded.stop()
    with pytest.raises(EmbeddedServerError, match="not running"):
        _ = embedded.url


def test_unknown_option_and_busy_port_are_clear_errors() -> None:
    with pytest.raises(TypeError, match="unknown server option"):
        EmbeddedServer(colour="blue")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(EmbeddedServerError, match="failed to start"):
            EmbeddedServer(port=taken.getsockname()[1]).start()


def test_shutdown_closes_every_socket_with_1001() -> None:
    embedded = EmbeddedServer()
    embedded.start()

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            clients = [await connect(session, embedded.url) for _ in range(3)]
            for client in clients:
                await client.initialize()
            await asyncio.to_thread(embedded.stop)
            for client in clients:
                closing = await client.closed()
                assert closing.type is aiohttp.WSMsgType.CLOSE
                assert closing.data == 1001

    run(body)


async def signed_up(session: aiohttp.ClientSession, url: str, name: str) -> tuple[WireClient, int, str]:
    client = await connect(session, url)
    await client.initialize()
    result = await client.call(
        request(2, "auth_sign_up", name=name, email=f"{name.lower()}@example.test", password=f"pw-{name}-123")
    )
    assert result.WhichOneof("result") == "authorization", result
    return client, result.authorization.user.id, result.authorization.token


async def device(session: aiohttp.ClientSession, url: str, token: str, *, no_subscribe: bool = False) -> WireClient:
    client = await connect(session, url)
    await client.initialize(no_subscribe=no_subscribe)
    result = await client.call(request(3, "auth_authorize", token=token))
    assert result.WhichOneof("result") == "authorization", result
    return client


def test_real_domain_message_fans_out_per_device_result_first(server: EmbeddedServer) -> None:
    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            alice, alice_id, alice_token = await signed_up(session, server.url, "AliceFan")
            alice_laptop = await device(session, server.url, alice_token)
            bob, bob_id, bob_token = await signed_up(session, server.url, "BobFan")
            bob_bot = await device(session, server.url, bob_token, no_subscribe=True)

            send = core_pb2.ClientMessage(id=10)
            send.messages_send_message.chat_ref.user.user_id = bob_id
            send.messages_send_message.message = "hello"
            send.messages_send_message.client_id = 42
            await alice.send(send)
            first, second = await alice.receive(), await alice.receive()
            assert first.WhichOneof("message") == "result" and first.result.req_id == 10
            assert first.result.WhichOneof("result") == "sent_message"
            message_id = first.result.sent_message.message_id
            assert second.update.message_created.message.message_id == message_id
            assert second.update.message_created.client_id == 42

            laptop_copy = (await alice_laptop.receive()).update.message_created
            assert laptop_copy.message.message_id == message_id and laptop_copy.client_id == 42

            bob_copy = (await bob.receive()).update.message_created
            assert bob_copy.message.message_id == message_id
            assert not bob_copy.HasField("client_id")
            assert bob_copy.message.chat_ref.user.user_id == alice_id  # viewer-relative ref

            result = await bob_bot.call(request(11, "chats_get_chats"))  # barrier: no update came first
            assert result.WhichOneof("result") == "chats"

    run(body)


def test_real_domain_rejects_chat_rpcs_before_auth_with_401(server: EmbeddedServer) -> None:
    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            client = await connect(session, server.url)
            await client.initialize()
            result = await client.call(request(5, "chats_get_chats"))
            assert result.error.error_code == 401

    run(body)


def test_seeded_user_authorizes_over_the_wire(server: EmbeddedServer) -> None:
    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            user = {"name": "Seeded", "username": "seeded1", "email": "s1@example.test", "password": "pw-s1"}
            seed = {"users": [user]}
            async with session.post(f"{server.admin_url}/users", json=seed) as response:
                assert response.status == 200
                created = (await response.json())["users"][0]
            client = await device(session, server.url, created["token"])
            profile = await client.call(request(6, "chats_get_chats"))
            assert profile.WhichOneof("result") == "chats"
            duplicate = await session.post(f"{server.admin_url}/users", json=seed)
            assert duplicate.status == 400
            assert "s1@example.test" in (await duplicate.json())["error"]

    run(body)
