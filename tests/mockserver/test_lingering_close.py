"""The lingering close (mockserver/transport/lingering.py): a peer still sending an oversized frame reads 1009.

Without the linger, a frame much larger than the socket buffers comes back 1006 every time: the server closes
with unread bytes, the reset overtakes the close frame, and the peer's transport drops it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import aiohttp
import pytest

from mockserver.embedded import EmbeddedServer
from mockserver.transport.lingering import LingeringWebSocketResponse
from tests.mockserver.transport_support import SAFETY_TIMEOUT_S, FakeService, connect, fake_server, request, run

MAX_FRAME = 4096
FAR_PAST_THE_BUFFERS = 8_000_000  # loopback buffers hold a few MB; this frame is still being sent at the close
QUIET_S = 0.2


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[EmbeddedServer, FakeService]]:
    with fake_server(max_frame_bytes=MAX_FRAME, close_timeout_s=QUIET_S) as pair:
        yield pair


def test_aiohttp_still_closes_through_the_hook_we_override() -> None:
    """If an aiohttp upgrade renames the hook, the override would silently stop lingering."""
    assert callable(getattr(aiohttp.web.WebSocketResponse, "_close_transport", None))
    assert "_close_transport" in LingeringWebSocketResponse.__dict__


def test_peer_mid_frame_reads_1009_not_a_reset(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            for _ in range(3):
                client = await connect(session, server.url)
                await client.ws.send_bytes(b"\0" * FAR_PAST_THE_BUFFERS)  # the server reads (and drops) it all
                closing = await client.closed()
                assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 1009)
            other = await connect(session, server.url)  # and the server goes on serving
            await other.initialize()
            await other.call(request(3, "chats_get_chats"))

    run(body)


def test_a_peer_that_never_closes_is_closed_once_it_goes_quiet(served: tuple[EmbeddedServer, FakeService]) -> None:
    server, _ = served

    async def body() -> None:
        async with aiohttp.ClientSession() as session:
            # autoclose=False: this peer reads the close frame and neither answers it nor closes its side
            ws = await session.ws_connect(server.url, autoclose=False, max_msg_size=0)
            await ws.send_bytes(b"\0" * (MAX_FRAME + 1))
            closing = await ws.receive(timeout=SAFETY_TIMEOUT_S)
            assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 1009)
            gone = await asyncio.wait_for(ws.receive(), SAFETY_TIMEOUT_S)  # ends when the server closes TCP
            assert gone.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.CLOSING)
            assert ws.exception() is None  # a FIN after the quiet window, not a reset

    run(body)
