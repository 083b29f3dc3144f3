"""SetTyping relay (semantics.md §10.13, §16 items 15-16)."""

from __future__ import annotations

from tests.mockserver.domain.world import SELF_REF, World, group_ref, kinds, make_group, ref_of, send, user_ref


def test_typing_goes_to_other_participants_only() -> None:
    """§10.13: UpdateChatTyping to every other participant, never to the typer; action presence kept."""
    world = World()
    alice, bob, carol = world.sign_up(), world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob, carol)
    outcome = world.ok(bob, "chats_set_typing", chat_ref=group_ref(gid), typing=True)
    assert kinds(outcome.deliveries) == [(alice.user_id, "chat_typing"), (carol.user_id, "chat_typing")]
    relayed = outcome.deliveries[0].update.chat_typing
    assert relayed.user_id == bob.user_id and relayed.typing and not relayed.HasField("action")
    with_action = world.ok(bob, "chats_set_typing", chat_ref=group_ref(gid), typing=True, action=0)
    assert all(d.update.chat_typing.HasField("action") for d in with_action.deliveries)
    upload = world.ok(bob, "chats_set_typing", chat_ref=group_ref(gid), typing=False, action=3)
    assert [(d.update.chat_typing.typing, d.update.chat_typing.action) for d in upload.deliveries] == [(False, 3)] * 2


def test_typing_in_dm_is_viewer_relative() -> None:
    """§10.13, §7.1: the partner sees user{typer}."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    outcome = world.ok(alice, "chats_set_typing", chat_ref=user_ref(bob.user_id), typing=True)
    assert kinds(outcome.deliveries) == [(bob.user_id, "chat_typing")]
    assert ref_of(outcome.deliveries[0].update.chat_typing.chat_ref) == ("user", alice.user_id)


def test_typing_in_saved_messages_is_silent() -> None:
    """§8.3 REF: SetTyping on self is accepted and produces no update."""
    world = World()
    alice = world.sign_up()
    assert world.ok(alice, "chats_set_typing", chat_ref=SELF_REF, typing=True).deliveries == []


def test_sending_does_not_stop_typing() -> None:
    """§16 item 15: no server state: a message sent after typing produces no typing=false."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    world.ok(alice, "chats_set_typing", chat_ref=user_ref(bob.user_id), typing=True)
    outcome = world.ok(alice, "messages_send_message", chat_ref=user_ref(bob.user_id), message="x")
    assert {kind for _, kind in kinds(outcome.deliveries)} == {"message_created"}
    send(world, bob, user_ref(alice.user_id))


def test_typing_access_rules() -> None:
    """§10.13: access rules as GetChat."""
    world = World()
    alice, eve = world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    assert world.error(eve, "chats_set_typing", chat_ref=group_ref(gid), typing=True) == 403
    assert world.error(eve, "chats_set_typing", chat_ref=user_ref(4242), typing=True) == 404
