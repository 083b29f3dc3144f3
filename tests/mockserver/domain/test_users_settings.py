"""User lookups and notification preferences (semantics.md §9.4, §9.5, §12.5) and service plumbing."""

from __future__ import annotations

import json

from osmiumwire import core_pb2, types_pb2
from tests.mockserver.domain.world import World, conversation, group_ref, kinds, make_group, user_ref


def test_lookup_username() -> None:
    """§9.4 REF: case-insensitive, leading @ stripped, unknown -> 404."""
    world = World()
    alice = world.sign_up()
    seeded = world.service.seed_user("Sam", username="SamTheMan")
    found = world.ok(alice, "users_lookup_username", username="@samtheman").result.user_details.user
    assert (found.id, found.name, found.username) == (seeded.user_id, "Sam", "SamTheMan")
    assert world.error(alice, "users_lookup_username", username="nobody") == 404


def test_get_profile() -> None:
    """§9.5 REF: empty bio and lists; unknown user -> 404."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    profile = world.ok(alice, "users_get_profile", ref={"user_id": bob.user_id}).result.profile
    assert profile.ref.user_id == bob.user_id and profile.bio == "" and list(profile.mutual_friends) == []
    assert world.error(alice, "users_get_profile", ref={"user_id": 1}) == 404


def test_notification_preferences() -> None:
    """§12.5: sets Conversation.notif_prefs; UpdateChat to the caller only; community 501; no scope 400."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    outcome = world.ok(alice, "settings_change_notification_preferences", prefs=types_pb2.NONE,
                       chat_ref=group_ref(gid))
    assert kinds(outcome.deliveries) == [(alice.user_id, "chat")]
    assert outcome.deliveries[0].update.chat.chat.chat.notif_prefs == types_pb2.NONE
    assert conversation(world, alice, group_ref(gid)).notif_prefs == types_pb2.NONE
    assert conversation(world, bob, group_ref(gid)).notif_prefs == types_pb2.ALL
    world.ok(alice, "settings_change_notification_preferences", prefs=types_pb2.MENTIONS,
             chat_ref=user_ref(bob.user_id))
    assert conversation(world, alice, user_ref(bob.user_id)).notif_prefs == types_pb2.MENTIONS
    assert world.error(alice, "settings_change_notification_preferences", prefs=1, community_id=5) == 501
    assert world.error(alice, "settings_change_notification_preferences", prefs=1) == 400


def test_unknown_or_empty_member_is_501() -> None:
    """§5 REF: members outside the domain's table -> 501 (the transport normally answers these itself)."""
    world = World()
    alice = world.sign_up()
    assert world.service.handle(alice.caller, core_pb2.ClientMessage(id=3)).result.error.error_code == 501
    initialize = core_pb2.ClientMessage(id=3, core_initialize={})
    assert world.service.handle(alice.caller, initialize).result.error.error_code == 501


def test_dump_is_json() -> None:
    """Control API: the dump serialises to JSON and reflects chats, members and invites."""
    world = World()
    alice, bob = world.sign_up(), world.sign_up()
    gid = make_group(world, alice, bob)
    world.ok(alice, "chats_create_chat_invite", chat_ref=group_ref(gid), max_uses=3)
    state = json.loads(json.dumps(world.service.dump()))
    assert [c["id"] for c in state["chats"]] == [str(gid)]
    assert state["chats"][0]["members"] == [str(alice.user_id), str(bob.user_id)]
    assert state["invites"][0]["max_uses"] == 3 and len(state["users"]) == 2
