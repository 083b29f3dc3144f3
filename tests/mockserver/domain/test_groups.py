"""Group creation and the chat list (semantics.md §8.4, §10.1, §10.3)."""

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
    user_ref,
)


def test_create_chat_returns_group_and_notifies_every_participant() -> None:
    """§10.3: Group for the caller (owner=true); UpdateGroup + UpdateChat to all, JOIN per added user."""
    world = World()
    alice, bob, carol = world.sign_up("A"), world.sign_up("B"), world.sign_up("C")
    outcome = world.ok(alice, "chats_create_chat", name="Team",
                       users=[{"user_id": bob.user_id}, {"user_id": carol.user_id}, {"user_id": alice.user_id}])
    group = outcome.result.group
    assert group.owner and group.name == "Team"
    assert list(group.participant_ids) == [alice.user_id, bob.user_id, carol.user_id]
    members = [alice.user_id, bob.user_id, carol.user_id]
    assert kinds(outcome.deliveries) == (
        [(m, "group") for m in members] + [(m, "chat") for m in members]
        + [(m, "message_created") for m in members] * 2
    )
    owners = {d.user_id: d.update.group.group.owner for d in outcome.deliveries if d.update.HasField("group")}
    assert owners == {alice.user_id: True, bob.user_id: False, carol.user_id: False}


def test_create_chat_validation() -> None:
    """§10.3 REF: empty name 400, >100 chars 400, unknown user 404 (nothing created)."""
    world = World()
    alice = world.sign_up()
    assert world.error(alice, "chats_create_chat", name=" ") == 400
    assert world.error(alice, "chats_create_chat", name="x" * 101) == 400
    assert world.error(alice, "chats_create_chat", name="ok", users=[{"user_id": 999}]) == 404
    assert len(world.ok(alice, "chats_get_chats").result.chats.chats) == 0
    assert world.ok(alice, "chats_create_chat", name="x" * 100).result.group.participant_ids == [alice.user_id]


def test_get_chats_lists_groups_newest_first() -> None:
    """§10.1: sorted by last_message_id descending; a group without messages keys on its own id."""
    world = World(service_messages=False)
    alice = world.sign_up()
    ids = [world.ok(alice, "chats_create_chat", name=f"g{i}").result.group.id for i in range(3)]
    chats = world.ok(alice, "chats_get_chats").result.chats
    assert [ref_of(c.chat_ref) for c in chats.chats] == [("group", i) for i in reversed(ids)]
    assert [c.last_message_id for c in chats.chats] == list(reversed(ids))
    assert [g.id for g in chats.groups] == list(reversed(ids))
    assert [u.id for u in chats.users] == [alice.user_id]


def test_create_chat_join_messages_count_for_others() -> None:
    """§8.4, §11: a JOIN per added user, authored by them; unread for the others, never for the author."""
    world = World()
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob, carol)
    history = world.ok(alice, "messages_get_history", chat_ref=group_ref(gid)).result.messages.messages
    assert [(m.author_id, m.type, m.message) for m in reversed(history)] == [
        (bob.user_id, types_pb2.Message.JOIN, ""), (carol.user_id, types_pb2.Message.JOIN, ""),
    ]
    assert conversation(world, alice, group_ref(gid)).unread_count == 2
    assert conversation(world, bob, group_ref(gid)).unread_count == 1
    assert conversation(world, carol, group_ref(gid)).unread_count == 1
    assert conversation(world, alice, group_ref(gid)).last_message_id == history[0].message_id


def test_service_messages_switch_off() -> None:
    """§8.4 REF: `service_messages` off -> no JOIN/LEAVE messages at all."""
    world = World(service_messages=False)
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    world.ok(bob, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id)
    assert history_ids(world, alice, group_ref(gid)) == []
    assert conversation(world, alice, group_ref(gid)).last_message_id == gid


# EditChat (§10.4) ---------------------------------------------------------------------------------


def test_edit_chat_owner_only_and_updates_everyone() -> None:
    """§10.4: owner renames -> Chat result, UpdateGroup to all participants; non-owner -> 403."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    assert world.error(bob, "chats_edit_chat", chat_ref=group_ref(gid), name="mine") == 403
    outcome = world.ok(alice, "chats_edit_chat", chat_ref=group_ref(gid), name="New")
    assert outcome.result.chat.group.name == "New" and outcome.result.chat.group.owner
    assert kinds(outcome.deliveries) == [(alice.user_id, "group"), (bob.user_id, "group")]
    assert [d.update.group.group.owner for d in outcome.deliveries] == [True, False]


def test_edit_chat_validation_and_kinds() -> None:
    """§10.4: name empty / >100 -> 400; DM/SELF -> 400; channel -> 501; unknown group 404; outsider 403."""
    world = World()
    alice, bob, eve = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    assert world.error(alice, "chats_edit_chat", chat_ref=group_ref(gid), name="  ") == 400
    assert world.error(alice, "chats_edit_chat", chat_ref=group_ref(gid), name="x" * 101) == 400
    assert world.error(alice, "chats_edit_chat", chat_ref=user_ref(bob.user_id), name="x") == 400
    assert world.error(alice, "chats_edit_chat", chat_ref=SELF_REF, name="x") == 400
    assert world.error(alice, "chats_edit_chat", chat_ref={"channel": {"channel_id": 1}}, name="x") == 501
    assert world.error(alice, "chats_edit_chat", chat_ref=group_ref(gid + 1), name="x") == 404
    assert world.error(eve, "chats_edit_chat", chat_ref=group_ref(gid), name="x") == 403


def test_edit_chat_no_field_is_a_noop() -> None:
    """§10.4 REF: no optional field -> success, Chat returned, no updates."""
    world = World()
    alice = world.sign_up()
    gid = make_group(world, alice, name="Same")
    outcome = world.ok(alice, "chats_edit_chat", chat_ref=group_ref(gid))
    assert outcome.result.chat.group.name == "Same" and outcome.deliveries == []


def test_edit_chat_highlighted_message_wrapper() -> None:
    """§10.4, §16 item 3: a message of this group is accepted, another id -> 404, inner 0/absent clears."""
    world = World()
    alice = world.sign_up()
    gid, other = make_group(world, alice), make_group(world, alice)
    mid = send(world, alice, group_ref(gid))
    foreign = send(world, alice, group_ref(other))
    world.ok(alice, "chats_edit_chat", chat_ref=group_ref(gid), highlighted_msg_id={"highlighted_msg_id": mid})
    code = world.error(alice, "chats_edit_chat", chat_ref=group_ref(gid),
                       highlighted_msg_id={"highlighted_msg_id": foreign})
    assert code == 404
    world.ok(alice, "chats_edit_chat", chat_ref=group_ref(gid), highlighted_msg_id={})
    world.ok(alice, "chats_edit_chat", chat_ref=group_ref(gid), highlighted_msg_id={"highlighted_msg_id": 0})


def test_edit_chat_photo_wrapper() -> None:
    """§10.4 REF: wrapper with file sets ChatPhoto{new file id, empty preview}; without file removes it."""
    world = World()
    alice = world.sign_up()
    gid = make_group(world, alice)
    set_photo = world.ok(alice, "chats_edit_chat", chat_ref=group_ref(gid),
                         photo={"file": {"id": 7, "name": "a.png", "part_count": 1}})
    photo = set_photo.result.chat.group.photo
    assert set_photo.result.chat.group.HasField("photo") and photo.file_id != 0 and photo.preview == b""
    kept = world.ok(alice, "chats_edit_chat", chat_ref=group_ref(gid), name="renamed").result.chat.group
    assert kept.photo.file_id == photo.file_id
    removed = world.ok(alice, "chats_edit_chat", chat_ref=group_ref(gid), photo={}).result.chat.group
    assert not removed.HasField("photo")


# AddChatMember (§10.5) ----------------------------------------------------------------------------


def test_add_chat_member_by_any_participant() -> None:
    """§10.5: any participant adds; UpdateGroup to all incl. the new one, UpdateChat to the new one, JOIN."""
    world = World()
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    outcome = world.ok(bob, "chats_add_chat_member", chat_ref=group_ref(gid), user_id=carol.user_id)
    assert not outcome.result.HasField("error") and outcome.result.WhichOneof("result") is None
    members = [alice.user_id, bob.user_id, carol.user_id]
    assert kinds(outcome.deliveries) == (
        [(m, "group") for m in members] + [(carol.user_id, "chat")] + [(m, "message_created") for m in members]
    )
    assert list(outcome.deliveries[0].update.group.group.participant_ids) == members
    join = outcome.deliveries[-1].update.message_created.message
    assert join.author_id == carol.user_id and join.type == types_pb2.Message.JOIN


def test_add_chat_member_errors() -> None:
    """§10.5 REF: unknown user 404, existing participant 409, caller outside 403, DM/SELF 400."""
    world = World()
    alice, bob, eve = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    assert world.error(alice, "chats_add_chat_member", chat_ref=group_ref(gid), user_id=999) == 404
    assert world.error(alice, "chats_add_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id) == 409
    assert world.error(eve, "chats_add_chat_member", chat_ref=group_ref(gid), user_id=eve.user_id) == 403
    assert world.error(alice, "chats_add_chat_member", chat_ref=user_ref(bob.user_id), user_id=eve.user_id) == 400
    assert world.error(alice, "chats_add_chat_member", chat_ref=SELF_REF, user_id=eve.user_id) == 400


def test_late_joiner_does_not_inherit_unread_history() -> None:
    """§11 REF: a user joining later starts reading at the newest message at join time."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    for _ in range(3):
        send(world, alice, group_ref(gid))
    world.ok(alice, "chats_add_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id)
    conv = conversation(world, bob, group_ref(gid))
    assert conv.unread_count == 0 and conv.last_read_message_id != 0
    send(world, alice, group_ref(gid))
    assert conversation(world, bob, group_ref(gid)).unread_count == 1


# RemoveChatMember (§10.6) -------------------------------------------------------------------------


def test_owner_removes_member_leave_first_then_group_update() -> None:
    """§10.6: LEAVE message then UpdateGroup, both to the remaining participants and the removed user."""
    world = World()
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob, carol)
    outcome = world.ok(alice, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id)
    everyone = [alice.user_id, bob.user_id, carol.user_id]
    assert kinds(outcome.deliveries) == (
        [(m, "message_created") for m in everyone] + [(alice.user_id, "group"), (carol.user_id, "group"),
                                                      (bob.user_id, "group")]
    )
    leave = outcome.deliveries[0].update.message_created.message
    assert leave.type == types_pb2.Message.LEAVE and leave.author_id == bob.user_id
    for delivery in outcome.deliveries[3:]:
        assert list(delivery.update.group.group.participant_ids) == [alice.user_id, carol.user_id]


def test_removed_user_loses_access() -> None:
    """§10.6 REF: afterwards GetChat/GetHistory/SendMessage -> 403 and the group leaves their chat list."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    world.ok(alice, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id)
    assert world.error(bob, "chats_get_chat", chat_ref=group_ref(gid)) == 403
    assert world.error(bob, "messages_get_history", chat_ref=group_ref(gid)) == 403
    assert world.error(bob, "messages_send_message", chat_ref=group_ref(gid), message="x") == 403
    assert world.ok(bob, "chats_get_chats").result.chats.chats == []
    send(world, alice, group_ref(gid))
    assert world.ok(bob, "chats_get_chats").result.chats.chats == []


def test_remove_permissions_and_errors() -> None:
    """§10.6: removing another is owner-only (403); leaving is open to all; non-participant target 404."""
    world = World()
    alice, bob, carol, eve = world.sign_up(), world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob, carol)
    assert world.error(bob, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=carol.user_id) == 403
    assert world.error(bob, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=alice.user_id) == 403
    assert world.error(alice, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=eve.user_id) == 404
    assert world.error(eve, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=eve.user_id) == 403
    assert world.error(alice, "chats_remove_chat_member", chat_ref=group_ref(gid + 1), user_id=bob.user_id) == 404
    assert world.error(alice, "chats_remove_chat_member", chat_ref=SELF_REF, user_id=alice.user_id) == 400
    world.ok(bob, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=bob.user_id)
    assert list(world.ok(alice, "chats_get_chat", chat_ref=group_ref(gid)).result.chat.group.participant_ids) == [
        alice.user_id, carol.user_id,
    ]


def test_owner_leaving_passes_ownership_in_join_order() -> None:
    """§8.4 REF: ownership passes to the next participant in participant_ids order."""
    world = World()
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob, carol)
    outcome = world.ok(alice, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=alice.user_id)
    owners = {d.user_id: d.update.group.group.owner for d in outcome.deliveries if d.update.HasField("group")}
    assert owners == {bob.user_id: True, carol.user_id: False, alice.user_id: False}
    world.ok(bob, "chats_edit_chat", chat_ref=group_ref(gid), name="bob's now")
    assert world.error(carol, "chats_edit_chat", chat_ref=group_ref(gid), name="no") == 403


def test_last_one_out_deletes_the_group_and_its_invites() -> None:
    """§8.4 REF: when the last participant leaves the group is deleted; its invites die with it."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    code = world.ok(alice, "chats_create_chat_invite", chat_ref=group_ref(gid)).result.created_invite.code
    outcome = world.ok(alice, "chats_remove_chat_member", chat_ref=group_ref(gid), user_id=alice.user_id)
    assert kinds(outcome.deliveries) == [(alice.user_id, "message_created"), (alice.user_id, "group")]
    assert list(outcome.deliveries[-1].update.group.group.participant_ids) == []
    assert world.error(alice, "chats_get_chat", chat_ref=group_ref(gid)) == 404
    assert world.error(bob, "auth_lookup_invite", code=code) == 404
    assert world.error(bob, "auth_use_invite", code=code) == 404
