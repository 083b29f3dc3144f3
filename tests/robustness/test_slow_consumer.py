"""Slow consumers (issue 7): a member that stops reading never delays the others; its send queue is bounded
(`ServerOptions.send_queue_frames`, 1,024 frames by default) and it is disconnected with 1008 (policy
violation); the server's memory stays bounded during a flood of 6,000 messages to its group.

The slow member is a hand-made WebSocket client with a 4 KiB receive buffer that reads its Initialize and
Authorize answers and then never reads again. "Never delays the others" is shown without a clock: the
flood's 6,000 results reach the sender and its 6,000 updates reach the other member while the slow member
has still read nothing. Memory is the server process's own figure (`osmium-mock` in a separate process,
peak RSS from /proc): the same flood runs once without and once with the slow member, each against a fresh
process, and the difference is what the slow member cost; it must stay far below what an unbounded queue
would hold (6,000 frames of 2 KiB).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from mockserver.options import ServerOptions
from osmiumwire import auth_pb2, chats_pb2, core_pb2, messages_pb2, refs_pb2, types_pb2, updates_pb2
from tests.robustness import raw_ws
from tests.robustness.harness import admin_get
from tests.robustness.process import MockProcess, mock_process
from tests.robustness.wire_client import UPPER_BOUND_S, User, WireClient, sign_up

FLOOD = 6_000
BATCH = 250  # frames in flight to the fast member at most (plus the barrier's answer)
TEXT_BYTES = 2_048
CLOSE_POLICY_VIOLATION = 1008
QUEUE_FRAMES = ServerOptions().send_queue_frames
assert FLOOD % BATCH == 0 and BATCH < QUEUE_FRAMES // 2
NORMAL = types_pb2.Message.MessageType.UNKNOWN  # written by a user, not a JOIN/LEAVE service message


@dataclass
class FloodFigures:
    rss_growth_kib: int  # the server's peak resident set during the flood, above its level before it
    delivered: int  # message_created updates the fast member received
    slow_close_code: int | None = None  # the close code the slow member saw, if any frame reached it
    slow_bytes_read: int = 0
    closes: Any = None  # the control API's record of closed connections


def count_created(client: WireClient, into: set[int]) -> None:
    """Keep only the ids of created messages (the fast member need not hold 12 MiB of updates)."""

    def on_update(update: updates_pb2.Update) -> None:
        if update.WhichOneof("update") == "message_created" and update.message_created.message.type == NORMAL:
            into.add(update.message_created.message.message_id)

    client.on_update = on_update


async def slow_member(url: str, token: str) -> raw_ws.RawSocket:
    """A socket of an existing user, authorized, that reads its two answers and then stops reading."""
    slow = await raw_ws.connect(url, receive_buffer=4096)
    initialize = core_pb2.ClientMessage(id=1, core_initialize=core_pb2.Initialize())
    authorize = core_pb2.ClientMessage(id=2, auth_authorize=auth_pb2.Authorize(token=token))
    for request in (initialize, authorize):
        await slow.send(request.SerializeToString())
        _, payload = await asyncio.wait_for(slow.read_frame(), UPPER_BOUND_S)
        answer = core_pb2.ServerMessage.FromString(payload).result
        assert answer.req_id == request.id and answer.WhichOneof("result") != "error", answer
    return slow


async def flood(mock: MockProcess, sender: User, group_id: int, reader: WireClient) -> FloodFigures:
    """6,000 messages of 2 KiB pipelined into the group in batches; completion by answers and barriers, never a
    timer. The reader (the fast member) shares this event loop with the sender, so on a loaded machine it could
    fall a whole queue behind a single 6,000-frame burst and be cut off itself; a barrier on the reader after
    each batch keeps its backlog under one batch, far below the queue bound, while the slow member (which reads
    nothing) overflows it regardless."""
    seen: set[int] = set()
    count_created(reader, seen)
    chat_ref = refs_pb2.ChatRef(group=refs_pb2.GroupRef(group_id=group_id))
    text = "x" * TEXT_BYTES
    before = mock.memory_kib()["VmRSS"]
    for _ in range(FLOOD // BATCH):
        answers = []
        for _ in range(BATCH):
            message = core_pb2.ClientMessage(id=WireClient.next_id())
            message.messages_send_message.CopyFrom(messages_pb2.SendMessage(chat_ref=chat_ref, message=text))
            answers.append(sender.client.expect_answer(message.id))
            await sender.client.send_bytes(message.SerializeToString())
        results = await asyncio.wait_for(asyncio.gather(*answers), UPPER_BOUND_S)
        assert all(result.WhichOneof("result") == "sent_message" for result in results)
        await reader.barrier()
    return FloodFigures(mock.memory_kib()["VmHWM"] - before, len(seen))


def run_flood(*, with_slow_member: bool) -> FloodFigures:
    """One flood against a fresh `osmium-mock --admin` process."""
    with mock_process("--admin") as mock:

        async def scenario() -> FloodFigures:
            sender = await sign_up(mock.url, no_subscribe=True)  # its results only: the reader is the other one
            fast = await sign_up(mock.url)
            slow_user = await sign_up(mock.url)
            await slow_user.client.close()  # the slow socket will be this user's only one
            try:
                slow = await slow_member(mock.url, slow_user.token) if with_slow_member else None
                invited = [fast.user_id] + ([slow_user.user_id] if with_slow_member else [])
                body = chats_pb2.CreateChat(name="flood", users=[refs_pb2.UserRef(user_id=i) for i in invited])
                group_id = (await sender.client.ok("chats_create_chat", body)).group.id
                figures = await flood(mock, sender, group_id, fast.client)
                if slow is not None:
                    # Only now does the slow member read: everyone else already had everything.
                    code, read = await asyncio.wait_for(slow.read_until_closed(), UPPER_BOUND_S)
                    slow.close()
                    figures.slow_close_code, figures.slow_bytes_read = code, read
                    figures.closes = admin_get(f"{mock.http_base}/__admin", "connections")
                return figures
            finally:
                await asyncio.gather(sender.client.close(), fast.client.close())

        return asyncio.run(scenario())


def test_a_member_that_stops_reading_is_cut_off_and_costs_a_bounded_amount() -> None:
    baseline = run_flood(with_slow_member=False)
    slowed = run_flood(with_slow_member=True)
    assert baseline.delivered == FLOOD
    assert slowed.delivered == FLOOD
    codes = [close["code"] for close in slowed.closes["closed"]]
    assert codes.count(CLOSE_POLICY_VIOLATION) == 1, slowed.closes
    assert slowed.slow_close_code in (None, CLOSE_POLICY_VIOLATION)  # a peer that reads nothing may miss it
    unbounded_kib = FLOOD * TEXT_BYTES // 1024  # what the slow member's queue would hold without a bound
    extra_kib = slowed.rss_growth_kib - baseline.rss_growth_kib
    print(
        f"\nslow consumer: server peak RSS growth during the flood {baseline.rss_growth_kib / 1024:.1f} MiB "
        f"without, {slowed.rss_growth_kib / 1024:.1f} MiB with a slow member ({extra_kib / 1024:+.1f} MiB; an "
        f"unbounded queue would add >= {unbounded_kib / 1024:.1f} MiB; bound {QUEUE_FRAMES} frames = "
        f"{QUEUE_FRAMES * TEXT_BYTES / 1024 / 1024:.1f} MiB of text); the slow member read "
        f"{slowed.slow_bytes_read} bytes, close code {slowed.slow_close_code}"
    )
    assert extra_kib < unbounded_kib // 2, f"the slow member cost {extra_kib / 1024:.1f} MiB: queue looks unbounded"
