"""ChatRef resolution and access rules shared by every chat RPC (semantics.md §7.1, §8.2-§8.4, §10.2, §14)."""

from __future__ import annotations

import pytest

from tests.mockserver.domain.world import SELF_REF, World, conversation, group_ref, make_group, ref_of, user_ref

READ_RPCS = ["chats_get_chat", "messages_get_history", "messages_get_unread_mentions"]


@pytest.mark.parametrize("member", READ_RPCS)
def test_empty_chat_ref_is_400(member: str) -> None:
    """§7.1 REF: an input ChatRef with no member set -> 400."""
    world = World()
    alice = world.sign_up()
    assert world.error(alice, member, chat_ref={}) == 400


@pytest.mark.parametrize("member", READ_RPCS)
def test_channel_ref_is_501(member: str) -> None:
    """§7.1 REF: channel refs in chats RPCs -> 501."""
    world = World()
    alice = world.sign_up()
    assert world.error(alice, member, chat_ref={"channel": {"community_id": 1, "channel_id": 2}}) == 501


def test_unknown_user_and_group_are_404() -> None:
    """§10.2 REF: unknown user or group -> 404."""
    world = World()
    alice = world.sign_up()
    assert world.error(alice, "chats_get_chat", chat_ref=user_ref(424242)) == 404
    assert world.error(alice, "chats_get_chat", chat_ref=group_ref(424242)) == 404


def test_group_of_others_is_403() -> None:
    """§8.4 REF: non-participants get 403 on group RPCs."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice)
    for member in READ_RPCS:
        assert world.error(bob, member, chat_ref=group_ref(gid)) == 403
    assert world.error(bob, "messages_send_message", chat_ref=group_ref(gid), message="x") == 403
    assert world.error(bob, "chats_set_typing", chat_ref=group_ref(gid), typing=True) == 403
    assert world.error(bob, "chats_mark_chat_read", chat_ref=group_ref(gid), message_id=1) == 403


def test_user_ref_to_self_is_saved_messages() -> None:
    """§7.1 REF: input user{own id} is normalised to self{}; outputs say self{}."""
    world = World()
    alice = world.sign_up()
    via_user = conversation(world, alice, user_ref(alice.user_id))
    via_self = conversation(world, alice, SELF_REF)
    assert ref_of(via_user.chat_ref) == ("self", 0) and via_user.last_message_id == via_self.last_message_id


def test_dm_is_one_chat_per_pair_and_viewer_relative() -> None:
    """§8.2 REF: one DM per unordered pair, created lazily; each side sees user{other}."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    from_alice = conversation(world, alice, user_ref(bob.user_id))
    from_bob = conversation(world, bob, user_ref(alice.user_id))
    assert from_alice.last_message_id == from_bob.last_message_id
    assert ref_of(from_alice.chat_ref) == ("user", bob.user_id)
    assert ref_of(from_bob.chat_ref) == ("user", alice.user_id)


def test_get_chat_on_empty_dm() -> None:
    """§16 item 35: a DM without messages -> Conversation keyed on the new chat id, unread 0, no message,
    users = partner and viewer; not listed by GetChats."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    chat = world.ok(alice, "chats_get_chat", chat_ref=user_ref(bob.user_id)).result.chat
    assert chat.chat.last_message_id != 0 and chat.chat.unread_count == 0
    assert not chat.HasField("message") and not chat.HasField("group")
    assert [u.id for u in chat.users] == [bob.user_id, alice.user_id]
    assert len(world.ok(alice, "chats_get_chats").result.chats.chats) == 0
