"""A client that stops reading costs only itself (semantics.md §13, issue 3's transport table): its bounded
queue fills or a write stalls past the timeout, it is closed with 1008, and other sockets are served all along.

Waiting is done on events (the connection's `closed` event on the server's loop), never by sleeping.
"""

from __future__ import annotations

import asyncio

import aiohttp

from mockserver.domain.contract import Delivery
from mockserver.embedded import EmbeddedServer
from mockserver.transport.connection import Connection
from tests.mockserver.transport_support import WireClient, big_update, connect, deliver_to, fake_server, request, run

SLOW, FAST = 11, 22
FRAME_BYTES = 256 * 1024


def connection_of(server: EmbeddedServer, user_id: int) -> Connection:
    def find() -> Connection:
        for connection in server.server.registry.all():
            if connection.state.binding is not None and connection.state.binding.user_id == user_id:
                return connection
        raise AssertionError(f"no connection bound to user {user_id}")

    found: Connection = server.call(find)
    return found


async def wait_closed(server: EmbeddedServer, connection: Connection) -> None:
    await asyncio.to_thread(server.call, connection.finished.wait)


async def stalled_reader(session: aiohttp.ClientSession, url: str) -> WireClient:
    """A client that authenticates and then never reads again."""
    client = await connect(session, url)
    await client.initialize()
    await client.authorize(SLOW)
    return client


async def served_client(session: aiohttp.ClientSession, url: str) -> WireClient:
    client = await connect(session, url)
    await client.initialize()
    await client.authorize(FAST)
    return client


def test_overflowing_queue_closes_the_slow_socket_with_1008_and_others_are_served() -> None:
    with fake_server(send_queue_frames=8, send_timeout_s=60.0) as (server, service):
        service.handler = deliver_to(*[Delivery(SLOW, big_update(FRAME_BYTES)) for _ in range(8)])

        async def body() -> None:
            async with aiohttp.ClientSession() as session:
                stalled = await stalled_reader(session, server.url)  # noqa: F841 (kept open, never read)
                fast = await served_client(session, server.url)
                slow = connection_of(server, SLOW)
                for attempt in range(200):  # each round trip pushes 2 MiB at the reader that does not read
                    await fast.call(request(100 + attempt, "chats_set_typing"))
                    if slow.close_record is not None:
                        break
                await wait_closed(server, slow)
                assert slow.close_record is not None
                assert (slow.close_record.code, slow.close_record.reason) == (1008, "send queue overflow")
                service.handler = deliver_to()
                await fast.call(request(999, "chats_get_chats"))

        run(body)


def test_stalled_write_closes_after_the_send_timeout() -> None:
    with fake_server(send_queue_frames=1024, send_timeout_s=0.2) as (server, service):
        service.handler = deliver_to(*[Delivery(SLOW, big_update(FRAME_BYTES)) for _ in range(128)])

        async def body() -> None:
            async with aiohttp.ClientSession() as session:
                stalled = await stalled_reader(session, server.url)  # noqa: F841 (kept open, never read)
                fast = await served_client(session, server.url)
                slow = connection_of(server, SLOW)
                await fast.call(request(100, "chats_set_typing"))  # 32 MiB: more than any socket buffer
                await wait_closed(server, slow)
                assert slow.close_record is not None
                assert (slow.close_record.code, slow.close_record.reason) == (1008, "send timeout")
                service.handler = deliver_to()
                await fast.call(request(101, "chats_get_chats"))

        run(body)


def test_others_are_served_while_a_reader_is_stuck_and_shutdown_still_ends_it() -> None:
    with fake_server(send_queue_frames=1024, send_timeout_s=600.0, close_timeout_s=0.5) as (server, service):
        service.handler = deliver_to(*[Delivery(SLOW, big_update(FRAME_BYTES)) for _ in range(128)])

        async def body() -> None:
            async with aiohttp.ClientSession() as session:
                stalled = await stalled_reader(session, server.url)  # noqa: F841 (kept open, never read)
                fast = await served_client(session, server.url)
                slow = connection_of(server, SLOW)
                await fast.call(request(100, "chats_set_typing"))
                service.handler = deliver_to()
                for req_id in range(101, 121):
                    await fast.call(request(req_id, "chats_get_chats"))
                assert slow.close_record is None  # still stuck: nothing above waited for it
                assert slow.queued_frames > 0
                await asyncio.to_thread(server.stop)  # and shutdown does not hang on it either
                assert slow.close_record is not None
                assert slow.close_record.code == 1001

        run(body)


def test_pipelining_client_that_reads_is_never_dropped() -> None:
    """A burst of requests far larger than the queue: the socket's own reading pauses instead of overflowing."""
    with fake_server(send_queue_frames=4) as (server, _):

        async def body() -> None:
            async with aiohttp.ClientSession() as session:
                client = await served_client(session, server.url)
                burst = 200
                for req_id in range(1, burst + 1):
                    await client.send(request(req_id, "chats_get_chats"))
                answers = [await client.receive() for _ in range(burst)]
                assert [answer.result.req_id for answer in answers] == list(range(1, burst + 1))

        run(body)
