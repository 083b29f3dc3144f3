"""SendMessage, EditMessage, DeleteMessage and their updates (semantics.md §12, §13, §16 items 17, 37, 47)."""

from __future__ import annotations

from osmiumwire import types_pb2
from tests.mockserver.domain.world import (
    SELF_REF,
    World,
    conversation,
    group_ref,
    history_ids,
    kinds,
    make_group,
    ref_of,
    send,
    updates_for,
    user_ref,
)


def test_first_dm_message_reaches_both_sides_viewer_relative() -> None:
    """§8.2, §12.1: the DM is created implicitly; each side's copy names the other; author always filled."""
    world = World()
    alice, bob = world.sign_up("Alice"), world.sign_up("Bob")
    outcome = world.ok(alice, "messages_send_message", chat_ref=user_ref(bob.user_id), message="hi", client_id=77)
    mid = outcome.result.sent_message.message_id
    assert kinds(outcome.deliveries) == [(alice.user_id, "message_created"), (bob.user_id, "message_created")]
    mine, theirs = (d.update.message_created for d in outcome.deliveries)
    assert ref_of(mine.message.chat_ref) == ("user", bob.user_id)
    assert ref_of(theirs.message.chat_ref) == ("user", alice.user_id)
    assert mine.message.message_id == theirs.message.message_id == mid
    assert mine.author.name == theirs.author.name == "Alice"
    assert mine.HasField("client_id") and mine.client_id == 77 and not theirs.HasField("client_id")
    assert (mine.channel_unread_count, theirs.channel_unread_count) == (0, 1)
    assert not mine.message.HasField("type")


def test_group_message_goes_to_all_participants() -> None:
    """§13: message_created to all participants including the sender; unread count per recipient."""
    world = World(service_messages=False)
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob, carol)
    send(world, bob, group_ref(gid))
    outcome = world.ok(alice, "messages_send_message", chat_ref=group_ref(gid), message="x")
    counts = {d.user_id: d.update.message_created.channel_unread_count for d in outcome.deliveries}
    assert counts == {alice.user_id: 0, bob.user_id: 1, carol.user_id: 2}


def test_saved_messages() -> None:
    """§8.3: SendMessage to self{} works, reaches only the user, never unread."""
    world = World()
    alice = world.sign_up()
    outcome = world.ok(alice, "messages_send_message", chat_ref=SELF_REF, message="note")
    assert kinds(outcome.deliveries) == [(alice.user_id, "message_created")]
    assert ref_of(outcome.deliveries[0].update.message_created.message.chat_ref) == ("self", 0)
    assert conversation(world, alice, SELF_REF).unread_count == 0


def test_send_validation() -> None:
    """§12.1 REF: empty text -> 400; media -> 501; unknown DM user -> 404; outsider of a group -> 403."""
    world = World()
    alice, eve = world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    assert world.error(alice, "messages_send_message", chat_ref=SELF_REF, message="") == 400
    assert world.error(alice, "messages_send_message", chat_ref=SELF_REF, message="x", media=[{}]) == 501
    assert world.error(alice, "messages_send_message", chat_ref=user_ref(999), message="x") == 404
    assert world.error(eve, "messages_send_message", chat_ref=group_ref(gid), message="x") == 403


def test_reply_both_forms() -> None:
    """§16 item 37: reply_to (7) preferred, reply_to_old (3) accepted; output fills `reply` and `reply_to`;
    a target outside the chat -> 404."""
    world = World()
    alice = world.sign_up()
    gid, other = make_group(world, alice), make_group(world, alice)
    target = send(world, alice, group_ref(gid))
    foreign = send(world, alice, group_ref(other))
    new = send(world, alice, group_ref(gid), reply_to={"message_id": target, "quote": {"message": "q"}},
               reply_to_old=foreign)
    old = send(world, alice, group_ref(gid), reply_to_old=target)
    messages = {m.message_id: m for m in
                world.ok(alice, "messages_get_history", chat_ref=group_ref(gid)).result.messages.messages}
    for mid in (new, old):
        assert messages[mid].reply_to == target and messages[mid].reply.message_id == target
    assert messages[new].reply.quote.message == "q" and not messages[old].reply.HasField("quote")
    assert world.error(alice, "messages_send_message", chat_ref=group_ref(gid), message="x",
                       reply_to={"message_id": foreign}) == 404
    assert world.error(alice, "messages_send_message", chat_ref=group_ref(gid), message="x", reply_to_old=1) == 404


def test_entities_stored_verbatim() -> None:
    """§12.1: entities are stored and returned as sent."""
    world = World()
    alice = world.sign_up()
    send(world, alice, SELF_REF, "bold text", entities=[{"start_index": 0, "length": 4, "bold": True}])
    message = world.ok(alice, "messages_get_history", chat_ref=SELF_REF).result.messages.messages[0]
    assert [(e.start_index, e.length, e.WhichOneof("entity")) for e in message.entities] == [(0, 4, "bold")]


def test_edit_message_author_only() -> None:
    """§12.3: author edits -> edited_at = now (ms), UpdateMessage to all; others 403; unknown 404."""
    world = World(service_messages=False)
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    mid = send(world, alice, group_ref(gid), "old", entities=[{"start_index": 0, "length": 3, "bold": True}])
    world.clock.advance_ms(1234)
    assert world.error(bob, "messages_edit_message", chat_ref=group_ref(gid), message_id=mid, message="x") == 403
    assert world.error(alice, "messages_edit_message", chat_ref=group_ref(gid), message_id=mid + 1,
                       message="x") == 404
    assert world.error(alice, "messages_edit_message", chat_ref=SELF_REF, message_id=mid, message="x") == 404
    outcome = world.ok(alice, "messages_edit_message", chat_ref=group_ref(gid), message_id=mid, message="new")
    assert kinds(outcome.deliveries) == [(alice.user_id, "message"), (bob.user_id, "message")]
    edited = outcome.deliveries[1].update.message.message
    assert edited.message == "new" and edited.edited_at == world.clock.now_ms() and list(edited.entities) == []


def test_edit_keeps_entities_unless_replaced() -> None:
    """§12.3: entities are replaced only if given or if the text is set."""
    world = World()
    alice = world.sign_up()
    mid = send(world, alice, SELF_REF, "abc", entities=[{"start_index": 0, "length": 1, "italic": True}])
    outcome = world.ok(alice, "messages_edit_message", chat_ref=SELF_REF, message_id=mid, suppress_embeds=True)
    assert [e.WhichOneof("entity") for e in outcome.deliveries[0].update.message.message.entities] == ["italic"]
    outcome = world.ok(alice, "messages_edit_message", chat_ref=SELF_REF, message_id=mid,
                       entities=[{"start_index": 0, "length": 2, "code": True}])
    message = outcome.deliveries[0].update.message.message
    assert message.message == "abc" and [e.WhichOneof("entity") for e in message.entities] == ["code"]


def test_delete_all_or_nothing() -> None:
    """§12.4 REF: any unknown id -> 404, any forbidden id -> 403, and nothing is deleted."""
    world = World(service_messages=False)
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    mine, theirs = send(world, bob, group_ref(gid)), send(world, alice, group_ref(gid))
    assert world.error(bob, "messages_delete_message", chat_ref=group_ref(gid), message_ids=[mine, 999]) == 404
    assert world.error(bob, "messages_delete_message", chat_ref=group_ref(gid), message_ids=[mine, theirs]) == 403
    assert world.error(bob, "messages_delete_message", chat_ref=group_ref(gid), message_ids=[]) == 400
    assert history_ids(world, bob, group_ref(gid)) == [theirs, mine]


def test_group_owner_deletes_anyones_message_and_everyone_is_told() -> None:
    """§12.4: the owner may delete others' messages; UpdateMessageDeleted to all; last_message_id falls back."""
    world = World(service_messages=False)
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    first, second = send(world, bob, group_ref(gid)), send(world, bob, group_ref(gid))
    outcome = world.ok(alice, "messages_delete_message", chat_ref=group_ref(gid), message_ids=[second, second])
    assert kinds(outcome.deliveries) == [(alice.user_id, "message_deleted"), (bob.user_id, "message_deleted")]
    assert list(outcome.deliveries[0].update.message_deleted.message_ids) == [second]
    assert conversation(world, alice, group_ref(gid)).last_message_id == first
    world.ok(bob, "messages_delete_message", chat_ref=group_ref(gid), message_ids=[first])
    assert conversation(world, bob, group_ref(gid)).last_message_id == gid


def test_dm_partner_cannot_delete_and_empty_dm_leaves_the_list() -> None:
    """§12.4: in a DM only the author deletes; a DM without messages is no longer listed (§16 item 7)."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    mid = send(world, alice, user_ref(bob.user_id))
    assert world.error(bob, "messages_delete_message", chat_ref=user_ref(alice.user_id), message_ids=[mid]) == 403
    outcome = world.ok(alice, "messages_delete_message", chat_ref=user_ref(bob.user_id), message_ids=[mid])
    updates = updates_for(outcome.deliveries, bob.user_id, "message_deleted")
    refs = [ref_of(u.message_deleted.chat_ref) for u in updates]
    assert refs == [("user", alice.user_id)]
    assert world.ok(bob, "chats_get_chats").result.chats.chats == []


def test_service_message_types() -> None:
    """§8.4: JOIN/LEAVE messages carry `type` and the affected user as author."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    world.ok(alice, "chats_add_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id)
    world.ok(bob, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id)
    messages = world.ok(alice, "messages_get_history", chat_ref=group_ref(gid)).result.messages.messages
    assert [(m.type, m.author_id) for m in messages] == [
        (types_pb2.Message.LEAVE, bob.user_id), (types_pb2.Message.JOIN, bob.user_id),
    ]
