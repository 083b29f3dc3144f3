"""Read-state math and MarkChatRead (semantics.md §10.10, §11, §16 items 10-14, 18, 46)."""

from __future__ import annotations

from mockserver.domain.contract import Caller
from tests.mockserver.domain.world import SELF_REF, World, conversation, group_ref, kinds, make_group, send, user_ref


def test_unread_counts_incoming_not_own() -> None:
    """§11: unread = messages above last_read not written by the viewer; the sender's pointer advances."""
    world = World(service_messages=False)
    alice, bob = world.sign_up(), world.sign_up()
    ref_for_bob = user_ref(alice.user_id)
    send(world, alice, user_ref(bob.user_id))
    send(world, alice, user_ref(bob.user_id))
    assert conversation(world, bob, ref_for_bob).unread_count == 2
    reply = send(world, bob, ref_for_bob)
    bob_view = conversation(world, bob, ref_for_bob)
    assert bob_view.unread_count == 0 and bob_view.last_read_message_id == reply
    assert conversation(world, alice, user_ref(bob.user_id)).unread_count == 1


def test_mark_read_updates_reader_only() -> None:
    """§10.10: position changes -> UpdateConversationLastRead with every field, to the reader only."""
    world = World(service_messages=False)
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    first = send(world, alice, group_ref(gid))
    send(world, alice, group_ref(gid))
    outcome = world.ok(bob, "chats_mark_chat_read", chat_ref=group_ref(gid), message_id=first, read_amount=5)
    assert kinds(outcome.deliveries) == [(bob.user_id, "conversation_last_read")]
    update = outcome.deliveries[0].update.conversation_last_read
    assert update.last_read_message_id == first
    assert update.HasField("unread_count") and update.unread_count == 1
    assert update.HasField("unread_mentions_count") and update.unread_mentions_count == 0
    assert update.chat_ref.group.group_id == gid


def test_mark_read_is_monotonic_clamped_and_silent_when_unchanged() -> None:
    """§16 item 11: max(old, min(id, last_message_id)); no existence check; no update without a change."""
    world = World(service_messages=False)
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    first, second = send(world, alice, group_ref(gid)), send(world, alice, group_ref(gid))
    world.ok(bob, "chats_mark_chat_read", chat_ref=group_ref(gid), message_id=second)
    backwards = world.ok(bob, "chats_mark_chat_read", chat_ref=group_ref(gid), message_id=first)
    assert backwards.deliveries == []
    assert conversation(world, bob, group_ref(gid)).last_read_message_id == second
    third = send(world, alice, group_ref(gid))
    beyond = world.ok(bob, "chats_mark_chat_read", chat_ref=group_ref(gid), message_id=third + 10**9)
    assert beyond.deliveries[0].update.conversation_last_read.last_read_message_id == third
    again = world.ok(bob, "chats_mark_chat_read", chat_ref=group_ref(gid), message_id=third + 10**9)
    assert again.deliveries == []
    view = conversation(world, bob, group_ref(gid))
    assert (view.last_read_message_id, view.unread_count) == (third, 0)


def test_mark_read_between_ids() -> None:
    """§10.10: any id is a valid position; everything at or below it is read."""
    world = World(service_messages=False)
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    sent = []
    for _ in range(4):
        world.clock.advance_ms(1)  # leaves room between consecutive snowflakes
        sent.append(send(world, alice, group_ref(gid)))
    assert sent[1] + 1 < sent[2]
    world.ok(bob, "chats_mark_chat_read", chat_ref=group_ref(gid), message_id=sent[1] + 1)
    assert conversation(world, bob, group_ref(gid)).unread_count == 2


def test_mark_read_access_rules() -> None:
    """§10.10: same access rules as GetChat."""
    world = World()
    alice, eve = world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    assert world.error(eve, "chats_mark_chat_read", chat_ref=group_ref(gid), message_id=1) == 403
    assert world.error(eve, "chats_mark_chat_read", chat_ref=group_ref(gid + 1), message_id=1) == 404
    assert world.error(eve, "chats_mark_chat_read", chat_ref={}, message_id=1) == 400


def test_deleting_unread_messages_recomputes_silently() -> None:
    """§16 item 46: counts follow deletions with no extra update to the reader."""
    world = World(service_messages=False)
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    mids = [send(world, alice, group_ref(gid)) for _ in range(3)]
    outcome = world.ok(alice, "messages_delete_message", chat_ref=group_ref(gid), message_ids=mids[:2])
    assert "conversation_last_read" not in {kind for _, kind in kinds(outcome.deliveries)}
    assert conversation(world, bob, group_ref(gid)).unread_count == 1


def test_service_messages_count_for_others() -> None:
    """§11: JOIN/LEAVE count as unread for everyone except their subject."""
    world = World()
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    world.ok(alice, "chats_add_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id)
    world.ok(alice, "chats_add_chat_member", chat_ref=group_ref(gid), user_id=carol.user_id)
    assert conversation(world, alice, group_ref(gid)).unread_count == 2
    assert conversation(world, bob, group_ref(gid)).unread_count == 1
    assert conversation(world, carol, group_ref(gid)).unread_count == 0


def test_mentions_by_id_and_username() -> None:
    """§16 item 14: user_mention over the id (with `<@`, `@`, `>` stripped) or username over `@name`
    (case-insensitive) count in unread_mentions_count and GetUnreadMentions; self-mentions do not."""
    world = World(service_messages=False)
    alice = world.sign_up()
    bob_seed = world.service.seed_user("Bob", username="Bobby")
    bob = world.ok(None, "auth_authorize", token=bob_seed.token).bind
    assert bob is not None
    gid = make_group(world, alice)
    world.ok(alice, "chats_add_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id)
    text = f"hi <@{bob.user_id}>"
    by_id = send(world, alice, group_ref(gid), text,
                 entities=[{"start_index": 3, "length": len(text) - 3, "user_mention": {}}])
    send(world, alice, group_ref(gid), "no mention")
    by_name = send(world, alice, group_ref(gid), "@bobby look",
                   entities=[{"start_index": 0, "length": 6, "username": True}])
    self_mention = f"@{alice.user_id}"
    send(world, alice, group_ref(gid), self_mention,
         entities=[{"start_index": 0, "length": len(self_mention), "user_mention": {}}])
    bob_caller = Caller(user_id=bob.user_id, session_id=bob.session_id)
    view = world.ok(bob_caller, "chats_get_chat", chat_ref=group_ref(gid)).result.chat.chat
    assert (view.unread_count, view.unread_mentions_count) == (4, 2)
    mentions = world.ok(bob_caller, "messages_get_unread_mentions", chat_ref=group_ref(gid)).result
    assert list(mentions.unread_mentions.message_ids) == [by_id, by_name]
    assert conversation(world, alice, group_ref(gid)).unread_mentions_count == 0
    outcome = world.ok(bob_caller, "chats_mark_chat_read", chat_ref=group_ref(gid), message_id=by_id)
    assert outcome.deliveries[0].update.conversation_last_read.unread_mentions_count == 1
    world.ok(alice, "messages_edit_message", chat_ref=group_ref(gid), message_id=by_name, message="edited")
    after_edit = world.ok(bob_caller, "messages_get_unread_mentions", chat_ref=group_ref(gid)).result
    assert list(after_edit.unread_mentions.message_ids) == []


def test_self_chat_never_unread() -> None:
    """§8.3: own messages in saved messages never count as unread."""
    world = World()
    alice = world.sign_up()
    for _ in range(3):
        send(world, alice, SELF_REF)
    assert conversation(world, alice, SELF_REF).unread_count == 0
