"""Oversized and hostile frames (issue 7): they close only the offending connection, with the defined code.

* a frame over the limit (`--max-frame-bytes`, 1 MiB by default) -> that socket closes with 1009;
* a raw frame header declaring 64 MiB, followed by a few bytes -> 1009 at once, without the server waiting
  for (or buffering) the rest: the close arrives while only the header has been sent, and the server's
  peak RSS does not move by anything near 64 MiB;
* a text frame -> 1003 (semantics.md §2, REF).

In each case the other sockets, the offender's other device included, go on being served, and the state
dump is unchanged.
"""

from __future__ import annotations

import asyncio
import struct

from mockserver.embedded import EmbeddedServer
from mockserver.options import DEFAULT_MAX_FRAME_BYTES
from tests.robustness import raw_ws
from tests.robustness.harness import state
from tests.robustness.process import mock_process
from tests.robustness.wire_client import UPPER_BOUND_S, User, authorize, sign_up

CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_MESSAGE_TOO_BIG = 1009
DECLARED = 64 * 1024 * 1024


async def bystanders_still_served(offender: User, others: list[User]) -> None:
    """The offender's other device and other users: open, answering, and none of them closed."""
    for user in others:
        await user.client.ok("chats_get_chats")
        assert not user.client.closed.is_set()


async def offender_and_bystanders(url: str) -> tuple[User, list[User]]:
    offender = await sign_up(url)
    second_device = User(await authorize(url, offender.token), offender.user_id, offender.token, offender.session_id)
    return offender, [second_device, await sign_up(url)]


def test_an_over_limit_frame_closes_only_its_socket_with_1009(server: EmbeddedServer) -> None:
    async def scenario() -> None:
        offender, others = await offender_and_bystanders(server.url)
        before = state(server)
        await offender.client.send_bytes(b"\x08\x01" + b"\x00" * DEFAULT_MAX_FRAME_BYTES)
        assert await offender.client.wait_closed() == CLOSE_MESSAGE_TOO_BIG
        await bystanders_still_served(offender, others)
        assert state(server) == before
        await asyncio.gather(*(user.client.close() for user in [offender, *others]))

    asyncio.run(scenario())


def test_a_frame_at_the_limit_is_still_accepted(server: EmbeddedServer) -> None:
    """The boundary: exactly max_frame_bytes is a frame like any other (here undecodable, so a 400)."""

    async def scenario() -> None:
        user = await sign_up(server.url)
        await user.client.send_bytes(b"\xff" * DEFAULT_MAX_FRAME_BYTES)
        await user.client.barrier()
        assert user.client.received.results[-2].error.error_code == 400
        assert not user.client.closed.is_set()
        await user.client.close()

    asyncio.run(scenario())


def test_a_text_frame_closes_only_its_socket_with_1003(server: EmbeddedServer) -> None:
    async def scenario() -> None:
        offender, others = await offender_and_bystanders(server.url)
        before = state(server)
        await offender.client.ws.send_str("hello")
        assert await offender.client.wait_closed() == CLOSE_UNSUPPORTED_DATA
        await bystanders_still_served(offender, others)
        assert state(server) == before
        await asyncio.gather(*(user.client.close() for user in [offender, *others]))

    asyncio.run(scenario())


def test_a_64_mib_declared_length_is_refused_without_buffering() -> None:
    with mock_process() as mock:

        async def scenario() -> tuple[int | None, int, dict[str, int], dict[str, int]]:
            bystander = await sign_up(mock.url)
            memory_before = mock.memory_kib()
            liar = await raw_ws.connect(mock.url)
            header = raw_ws.client_frame(b"", declared_length=DECLARED)
            await liar.send_raw(header + b"\x08\x01" * 8)  # the header, a mask and 16 of the 64 MiB promised
            opcode, payload = await asyncio.wait_for(liar.read_frame(), UPPER_BOUND_S)
            code = struct.unpack("!H", payload[:2])[0] if opcode == raw_ws.OP_CLOSE and len(payload) >= 2 else None
            liar.close()
            await bystander.client.ok("chats_get_chats")
            await bystander.client.close()
            return code, len(header) + 16, memory_before, mock.memory_kib()

        code, sent, before, after = asyncio.run(scenario())
    assert code == CLOSE_MESSAGE_TOO_BIG
    growth_kib = after["VmHWM"] - before["VmRSS"]
    print(f"\n64 MiB declared: closed with {code} after {sent} bytes sent; server peak RSS growth {growth_kib} KiB")
    assert growth_kib < 8 * 1024, f"the server's peak RSS grew by {growth_kib} KiB: it buffered the frame?"
