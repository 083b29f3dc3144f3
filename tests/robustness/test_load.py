"""Load and consistency (issue 7): 20 members of one group each send 50 messages at once; nothing is lost,
duplicated or reordered; unread counts are exact afterwards. 300 simultaneous connections are all served.

"At once" means every send of every member is on the wire before any answer is awaited. Completion is
decided by answers and barriers, never by a timer: once all 1,000 `sent_message` results are back, a
barrier on each member's socket proves every update queued for it has arrived.
"""

from __future__ import annotations

import asyncio
import resource
from collections import Counter

from mockserver.embedded import EmbeddedServer
from osmiumwire import chats_pb2, core_pb2, messages_pb2, refs_pb2, types_pb2, updates_pb2
from tests.robustness.harness import admin_get
from tests.robustness.wire_client import UPPER_BOUND_S, User, WireClient, sign_up

MEMBERS = 20
MESSAGES_EACH = 50
TOTAL = MEMBERS * MESSAGES_EACH
CONNECTIONS = 300
NORMAL = types_pb2.Message.MessageType.UNKNOWN  # 0: a message a user wrote (not JOIN/LEAVE)


def group_ref(group_id: int) -> refs_pb2.ChatRef:
    return refs_pb2.ChatRef(group=refs_pb2.GroupRef(group_id=group_id))


def created_in(update: updates_pb2.Update, group_id: int) -> types_pb2.Message | None:
    """The user-written message an update announces in this group, if it is one."""
    if update.WhichOneof("update") != "message_created":
        return None
    message = update.message_created.message
    if message.chat_ref.group.group_id != group_id or message.type != NORMAL:
        return None
    return message


async def send_all(user: User, index: int, group_id: int) -> list[int]:
    """Pipeline 50 sends on one socket; return the message ids in send order."""
    answers = []
    for n in range(MESSAGES_EACH):
        message = core_pb2.ClientMessage(id=WireClient.next_id())
        message.messages_send_message.CopyFrom(
            messages_pb2.SendMessage(chat_ref=group_ref(group_id), message=f"member {index} message {n}")
        )
        answers.append(user.client.expect_answer(message.id))
        await user.client.send_bytes(message.SerializeToString())
    results = await asyncio.wait_for(asyncio.gather(*answers), UPPER_BOUND_S)
    assert all(result.WhichOneof("result") == "sent_message" for result in results), results[0]
    return [result.sent_message.message_id for result in results]


async def whole_history(user: User, group_id: int) -> list[types_pb2.Message]:
    """Every message of the group, newest first, paging with `before` at the maximum page size."""
    messages: list[types_pb2.Message] = []
    request = messages_pb2.GetHistory(chat_ref=group_ref(group_id), limit=100)
    while True:
        page = (await user.client.ok("messages_get_history", request)).messages.messages
        if not page:
            return messages
        messages.extend(page)
        request.before = page[-1].message_id


async def group_of(count: int, url: str) -> tuple[list[User], int]:
    users = [await sign_up(url) for _ in range(count)]
    body = chats_pb2.CreateChat(name="load", users=[refs_pb2.UserRef(user_id=u.user_id) for u in users[1:]])
    group = (await users[0].client.ok("chats_create_chat", body)).group
    return users, group.id


def test_twenty_members_fifty_messages_each_nothing_lost_duplicated_or_reordered(server: EmbeddedServer) -> None:
    async def scenario() -> None:
        users, group_id = await group_of(MEMBERS, server.url)
        try:
            sent = await asyncio.gather(*(send_all(user, i, group_id) for i, user in enumerate(users)))
            all_ids = {message_id for ids in sent for message_id in ids}
            assert len(all_ids) == TOTAL, "message ids are not unique"

            for user in users:  # every member receives every message exactly once
                await user.client.barrier()
                received = [m for u in user.client.received.updates if (m := created_in(u, group_id)) is not None]
                counts = Counter(m.message_id for m in received)
                assert set(counts) == all_ids, f"{len(all_ids - set(counts))} messages missing"
                assert max(counts.values()) == 1, "a message_created was delivered twice"
                assert len(received) == TOTAL

            history = await whole_history(users[0], group_id)
            ids = [m.message_id for m in history]
            assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids), "history not in id order"
            written = [m for m in history if m.type == NORMAL]
            assert {m.message_id for m in written} == all_ids
            for index, own_ids in enumerate(sent):  # one socket's sends keep their order
                texts = {m.message_id: m.message for m in written}
                assert [texts[i] for i in own_ids] == [f"member {index} message {n}" for n in range(MESSAGES_EACH)]
                assert own_ids == sorted(own_ids)

            unread = []
            for user in users:  # unread = messages by others after the member's own last message (§11)
                last_own = max(m.message_id for m in history if m.author_id == user.user_id and m.type == NORMAL)
                expected = sum(1 for m in history if m.message_id > last_own and m.author_id != user.user_id)
                chat = (await user.client.ok("chats_get_chat", chats_pb2.GetChat(chat_ref=group_ref(group_id)))).chat
                assert chat.chat.unread_count == expected
                assert chat.chat.last_read_message_id == last_own
                unread.append(expected)
            print(f"\nload: {MEMBERS} members x {MESSAGES_EACH} messages: each member received {TOTAL} message_created "
                  f"exactly once; history {len(history)} messages ({len(history) - TOTAL} JOIN) in id order; "
                  f"unread counts exact, from {min(unread)} to {max(unread)}")
        finally:
            await asyncio.gather(*(user.client.close() for user in users))

    asyncio.run(scenario())


def raise_fd_soft_limit(needed: int) -> int:
    """Both ends of every socket live in this process: make sure the soft fd limit allows them."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return int(soft)


def test_three_hundred_simultaneous_connections_are_all_served(server: EmbeddedServer) -> None:
    soft = raise_fd_soft_limit(2 * CONNECTIONS + 256)
    assert soft >= 2 * CONNECTIONS + 64, f"fd soft limit {soft} cannot hold {CONNECTIONS} loopback connections"

    async def scenario() -> None:
        clients = await asyncio.gather(*(WireClient.connect(server.url) for _ in range(CONNECTIONS)))
        try:
            answers = await asyncio.gather(*(client.call("core_initialize") for client in clients))
            assert all(a.WhichOneof("result") == "initialized" for a in answers)
            open_now = admin_get(server, "connections")["open"]
            assert len(open_now) >= CONNECTIONS
            # Every one of them still served while all are open: a second round trip on each.
            await asyncio.gather(*(client.barrier() for client in clients))
            assert not any(client.closed.is_set() for client in clients)
            print(f"\nconnections: {CONNECTIONS} open at once, all answered twice; fd soft limit {soft}")
        finally:
            await asyncio.gather(*(client.close() for client in clients))

    asyncio.run(scenario())
